// One configured provider (a `providers:` entry of config.yaml): where it is, how to reach it,
// and for the local kind how to run the engine. Each kind reads its own keys (registry.h).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace switchyard {

struct ProviderConfig {
  std::string name;      // e.g. "deepinfra"
  std::string kind;      // openai | anthropic | local
  std::string base_url;  // e.g. https://api.deepinfra.com/v1/openai
  std::string api_key_env;
  std::string api_key;   // resolved from api_key_env at load; never logged or stored
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  int64_t connect_timeout_ms = 5000;
  int64_t first_byte_timeout_ms = 60000;  // until the first byte of the answer
  int64_t idle_timeout_ms = 30000;        // max silence between bytes once streaming
  int64_t total_timeout_ms = 600000;
  bool data_collection_allowed = true;
  // kind: local
  std::string model_path;
  int64_t threads = 0;
  int64_t context_length = 0;
  int64_t max_sequences = 0;
  std::string chat_template;
  std::string kv_cache = "f32";  // f32 | f16 (local engine KV cache)
  std::string device = "auto";   // auto | cpu | cuda:N (local engine; falls back to the CPU)
  int64_t prefix_cache_mb = -1;  // local engine prefix cache budget; -1: the engine's default, 0: off
  int64_t max_choices = 0;       // bound on n for this provider; 0: its kind's (local: the engine's default)
};

// What a provider needs to know of the endpoint an attempt goes to. The catalog's endpoint
// (proxy/config/catalog.h) adds prices, limits and routing facts the providers never read.
struct UpstreamEndpoint {
  std::string upstream_model;         // the model name the provider knows
  int64_t max_completion_tokens = 0;  // 0 = no cap
  // max_tokens when the request names none (catalog `default_max_tokens`); 0 = the cap, else the
  // context left. Sent upstream when set, so every endpoint of the model answers alike.
  int64_t default_max_tokens = 0;
};

}  // namespace switchyard
