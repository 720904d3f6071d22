// The provider for any OpenAI-compatible HTTP API (DeepInfra, OpenRouter, vLLM, ...):
// POST {base_url}/chat/completions (or /completions) with libcurl, answer as Events.
//
//   openai_compat::OpenAiCompatProvider provider;            // stateless, shareable
//   auto stream = provider.open({&request, &endpoint, &provider_config, max_tokens});
//   while (auto event = stream->next()) { ... }              // pull-based; drop to cancel
//
// A stream must be pulled by one thread at a time; connections are pooled per thread.
#pragma once

#include <cstddef>
#include <memory>

#include "providers/contract.h"

namespace switchyard::providers::openai_compat {

struct ProviderLimits {
  size_t max_response_bytes = size_t{32} << 20;  // a whole (non-streamed) body
  size_t max_sse_buffer_bytes = size_t{8} << 20;  // one SSE event
};

class OpenAiCompatProvider final : public Provider {
 public:
  OpenAiCompatProvider() = default;
  explicit OpenAiCompatProvider(ProviderLimits limits) : limits_(limits) {}

  // Never throws; failures are the stream's first (error) event.
  std::unique_ptr<EventStream> open(const OpenParams& params) override;

 private:
  ProviderLimits limits_;
};

}  // namespace switchyard::providers::openai_compat
