// The OpenAI Responses wire format for POST /v1/responses: the request parser
// (request_parser.h), the OpenAI/OpenRouter error body, and two sinks: the whole response
// object as one JSON body, or the typed SSE events (stream_sink.h).
#pragma once

#include "proxy/pipeline/response_sink.h"

namespace switchyard::proxy {

class ResponsesFormat final : public WireFormat {
 public:
  ApiSurface api() const override { return ApiSurface::responses; }
  Result<ChatRequest> parse(std::string_view body) const override;
  std::string error_body(const Error& error) const override;
  std::unique_ptr<ResponseSink> sink(const ChatRequest& request) const override;
};

}  // namespace switchyard::proxy
