// The Anthropic Messages wire format for POST /v1/messages: the API key from x-api-key (or
// Authorization: Bearer), the request parser (request_parser.h), errors in Anthropic's shape
// (errors.h), and two sinks: one Message JSON body (message_json.h) or the event stream
// (stream_encoder.h) with `ping` events while the upstream is quiet. anthropic-version and
// anthropic-beta are accepted whatever they say: the shapes written are the current ones.
#pragma once

#include "proxy/api/anthropic/request_parser.h"
#include "proxy/pipeline/response_sink.h"

namespace switchyard::proxy::anthropic {

class MessagesFormat final : public WireFormat {
 public:
  explicit MessagesFormat(ParseOptions options = {}) : options_(options) {}
  ApiSurface api() const override { return ApiSurface::messages; }
  // x-api-key when it is there (what the SDKs send with an api key), else Authorization.
  std::string credentials(const httplib::Request& req) const override;
  Result<ChatRequest> parse(std::string_view body) const override;
  std::string error_body(const Error& error) const override;
  std::unique_ptr<ResponseSink> sink(const ChatRequest& request) const override;

 private:
  ParseOptions options_;
};

}  // namespace switchyard::proxy::anthropic
