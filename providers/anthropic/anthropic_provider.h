// Provider for the Anthropic Messages API (`kind: anthropic`): translates the request
// (request_translation.h), POSTs it to {base_url}/messages with libcurl, and translates the
// answer (streamed: stream_translator.h; plain: response_translation.h) into Events.
//
//   auto provider = switchyard::anthropic::make_anthropic_provider();
//   auto stream = provider->open({&request, &endpoint, &provider_config, max_tokens});
//   while (auto event = stream->next()) { ... }
//
// Stateless: everything comes from OpenParams, so one instance serves every Anthropic
// provider entry of the config. Connections are pooled per thread by the shared
// openai_compat::Transfer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "providers/contract.h"

namespace switchyard::anthropic {

class AnthropicProvider final : public Provider {
 public:
  // Never throws. Translation failures (e.g. tool-call arguments that are not JSON) are a
  // first error event, before any byte is sent upstream.
  std::unique_ptr<EventStream> open(const OpenParams& params) override;
};

std::unique_ptr<Provider> make_anthropic_provider();

// Exposed for tests. {base_url}/messages, tolerating a trailing '/'.
std::string messages_url(const std::string& base_url);
// "Name: value" lines: x-api-key, anthropic-version, content-type, accept, then the
// config's extra headers; an extra header with the same name replaces ours (e.g. a newer
// anthropic-version).
std::vector<std::string> request_headers(const ProviderConfig& provider, bool stream);

}  // namespace switchyard::anthropic
