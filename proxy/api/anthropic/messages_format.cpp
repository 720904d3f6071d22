#include "proxy/api/anthropic/messages_format.h"

#include "proxy/api/anthropic/errors.h"
#include "proxy/api/anthropic/message_json.h"
#include "proxy/api/anthropic/stream_encoder.h"

namespace switchyard::proxy::anthropic {

namespace {

MessageMeta meta_of(const ResponseStart& s, const std::vector<std::string>& stop_sequences) {
  return MessageMeta{s.id, s.model, s.metadata_json, stop_sequences};
}

class JsonSink final : public ResponseSink {
 public:
  explicit JsonSink(const ChatRequest& request) : stop_sequences_(request.sampling.stop) {}
  bool streaming() const override { return false; }
  std::string start(const ResponseStart& s) override {
    meta_ = meta_of(s, stop_sequences_);
    return {};
  }
  std::string on_event(const Event& e) override {
    collector_.add(e);
    return {};
  }
  std::string finish(const ResponseEnd& end) override { return collector_.to_json(meta_, end.usage); }

 private:
  std::vector<std::string> stop_sequences_;
  MessageMeta meta_;
  MessageCollector collector_;
};

class SseSink final : public ResponseSink {
 public:
  explicit SseSink(const ChatRequest& request) : stop_sequences_(request.sampling.stop) {}
  bool streaming() const override { return true; }
  std::string start(const ResponseStart& s) override {
    encoder_.emplace(meta_of(s, stop_sequences_));
    return encoder_->start();
  }
  std::string on_event(const Event& e) override { return encoder_->on_event(e); }
  std::string finish(const ResponseEnd& end) override { return encoder_->finish(end); }
  std::string keep_alive() const override { return kPing; }

 private:
  std::vector<std::string> stop_sequences_;
  std::optional<StreamEncoder> encoder_;
};

}  // namespace

std::string MessagesFormat::credentials(const httplib::Request& req) const {
  std::string key = req.get_header_value("x-api-key");
  if (!key.empty()) return "Bearer " + key;
  return WireFormat::credentials(req);
}

Result<ChatRequest> MessagesFormat::parse(std::string_view body) const { return parse_messages_request(body, options_); }

std::string MessagesFormat::error_body(const Error& error) const { return anthropic::error_body(error); }

std::unique_ptr<ResponseSink> MessagesFormat::sink(const ChatRequest& request) const {
  if (request.stream) return std::make_unique<SseSink>(request);
  return std::make_unique<JsonSink>(request);
}

}  // namespace switchyard::proxy::anthropic
