#include "proxy/api/openai/chat_format.h"

#include <map>

#include "proxy/api/openai/normalize.h"
#include "proxy/api/openai/response_builder.h"
#include "proxy/http/error.h"

namespace switchyard::proxy {

namespace {

ResponseMeta meta_of(const ResponseStart& s, bool completion) {
  return ResponseMeta{s.id, s.created, s.model, s.provider, completion, s.metadata_json};
}

class JsonSink final : public ResponseSink {
 public:
  explicit JsonSink(bool completion) : completion_(completion) {}
  bool streaming() const override { return false; }
  std::string start(const ResponseStart& s) override {
    meta_ = meta_of(s, completion_);
    return {};
  }
  std::string on_event(const Event& e) override {
    collector_.add(e);
    return {};
  }
  std::string finish(const ResponseEnd& end) override { return collector_.to_json(meta_, end.usage, end.cost); }

 private:
  bool completion_;
  ResponseMeta meta_;
  ResponseCollector collector_;
};

std::string sse(const std::string& payload) { return payload.empty() ? payload : "data: " + payload + "\n\n"; }

class SseSink final : public ResponseSink {
 public:
  explicit SseSink(bool completion) : completion_(completion) {}
  bool streaming() const override { return true; }
  std::string start(const ResponseStart& s) override {
    meta_ = meta_of(s, completion_);
    return {};
  }
  std::string on_event(const Event& e) override {
    if (!completion_ || e.kind != EventKind::logprobs) return sse(chunk_json(meta_, e));
    // text_completion chunks carry the legacy object, its text_offset running on.
    LegacyLogprobs& acc = legacy_[e.choice_index];
    acc.append(e.logprobs_json);
    Event legacy = e;
    legacy.logprobs_json = acc.take_chunk_json();
    return sse(chunk_json(meta_, legacy));
  }
  // Usage is always sent in the last chunk, as OpenRouter does, whatever stream_options said.
  std::string finish(const ResponseEnd& end) override {
    std::string out = end.failure ? sse(error_chunk_json(meta_, *end.failure)) : std::string();
    return out + sse(usage_chunk_json(meta_, end.usage, end.cost)) + "data: [DONE]\n\n";
  }

 private:
  bool completion_;
  ResponseMeta meta_;
  std::map<int64_t, LegacyLogprobs> legacy_;  // by choice index (completions only)
};

}  // namespace

Result<ChatRequest> OpenAiFormat::parse(std::string_view body) const {
  NormalizeOptions opts;
  opts.completion_endpoint = completions_;
  return normalize_chat_request(body, opts);
}

std::string OpenAiFormat::error_body(const Error& error) const { return proxy::error_body(error); }

std::unique_ptr<ResponseSink> OpenAiFormat::sink(const ChatRequest& request) const {
  if (request.stream) return std::make_unique<SseSink>(completions_);
  return std::make_unique<JsonSink>(completions_);
}

}  // namespace switchyard::proxy
