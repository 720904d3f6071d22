// The catalog (DESIGN.md §1 "catalog snapshot"): the public models, each with the endpoints
// that serve it and what they charge. Part of the immutable Config (config.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "providers/provider_config.h"
#include "proxy/billing/pricing.h"

namespace switchyard::proxy {

// One (model, provider, upstream model) that can serve requests. The part a provider reads
// (UpstreamEndpoint: upstream_model, max_completion_tokens) is handed to it as is.
struct EndpointConfig : UpstreamEndpoint {
  std::string provider;  // ProviderConfig::name
  // The price config.yaml gives (seeding the pricing book); nullopt: none given here, so the
  // endpoint is routed only once the admin API prices it.
  std::optional<billing::Pricing> pricing;
  int64_t context_length = 0;  // 0 = model's
  std::string quantization;    // e.g. fp8, q4_k_m, unknown
  std::vector<std::string> supported_parameters;  // empty = what the provider kind supports
};

struct ModelConfig {
  std::string id;     // public id, e.g. microsoft/wizardlm-2-8x22b
  std::string name;   // display name
  std::string description;
  int64_t context_length = 0;
  int64_t max_completion_tokens = 0;
  int64_t default_max_tokens = 0;  // max_tokens when a request names none; 0: max_completion_tokens
  int64_t created = 0;
  // As on OpenRouter: a request that produced no completion tokens (an empty output, or a
  // finish of `error`) is billed $0, and its row says what was waived.
  bool zero_completion_insurance = true;
  std::vector<EndpointConfig> endpoints;
};

}  // namespace switchyard::proxy
