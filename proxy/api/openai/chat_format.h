// The OpenAI wire format for /v1/chat/completions and /v1/completions: the request parser
// (normalize.h), OpenRouter's error body, and the two sinks: one chat.completion (or
// text_completion) JSON body, or chat.completion.chunk SSE ending in `data: [DONE]` with
// usage (and cost) in the last chunk.
#pragma once

#include "proxy/pipeline/response_sink.h"

namespace switchyard::proxy {

class OpenAiFormat final : public WireFormat {
 public:
  explicit OpenAiFormat(bool completions) : completions_(completions) {}
  ApiSurface api() const override { return completions_ ? ApiSurface::completions : ApiSurface::chat; }
  Result<ChatRequest> parse(std::string_view body) const override;
  std::string error_body(const Error& error) const override;
  std::unique_ptr<ResponseSink> sink(const ChatRequest& request) const override;

 private:
  bool completions_;
};

}  // namespace switchyard::proxy
