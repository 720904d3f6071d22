#include "proxy/api/responses/responses_format.h"

#include "proxy/api/responses/request_parser.h"
#include "proxy/api/responses/response_json.h"
#include "proxy/api/responses/stream_sink.h"
#include "proxy/http/error.h"

namespace switchyard::proxy {

namespace {

// Collects the output and writes the finished response object. A plain response that
// fails is an HTTP error (the pipeline's), so finish() only ever sees a whole stream.
class JsonSink final : public ResponseSink {
 public:
  explicit JsonSink(const ChatRequest& request) : request_(request) {}
  bool streaming() const override { return false; }
  std::string start(const ResponseStart& s) override {
    head_ = response_head(s, request_);
    output_.emplace(s.id);
    return {};
  }
  std::string on_event(const Event& e) override {
    output_->add(e);
    return {};
  }
  std::string finish(const ResponseEnd& end) override {
    auto reason = incomplete_reason(output_->finish_reason());
    output_->close(!reason);
    ResponseSnapshot snapshot{reason ? "incomplete" : "completed", output_->items(), reason, nullptr,
                              ResponseUsage{end.usage, end.cost}};
    return response_json(head_, snapshot);
  }

 private:
  const ChatRequest& request_;  // the pipeline keeps it alive for as long as this sink
  ResponseHead head_;
  std::optional<OutputBuilder> output_;
};

}  // namespace

Result<ChatRequest> ResponsesFormat::parse(std::string_view body) const { return parse_responses_request(body); }

std::string ResponsesFormat::error_body(const Error& error) const { return proxy::error_body(error); }

std::unique_ptr<ResponseSink> ResponsesFormat::sink(const ChatRequest& request) const {
  if (request.stream) return std::make_unique<ResponsesStreamSink>(request);
  return std::make_unique<JsonSink>(request);
}

}  // namespace switchyard::proxy
