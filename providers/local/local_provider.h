// The `local` provider kind: an in-process adapter to local_engine::Engine.
//
//   auto provider = providers::local::make_local_provider(provider_config);  // cheap
//   auto stream = provider->open({&request, &endpoint, &provider_config, max_tokens});
//   while (auto event = stream->next()) { ... }   // role, content, logprobs, finish, usage
//
// Engines are shared: every provider (endpoint) with the same model_path and engine
// settings uses ONE Engine (one set of weights, one scheduler, one KV cache), looked up in a
// process-wide registry; a config reload that keeps those settings keeps the engine. The engine is opened lazily, on the first open() (startup stays
// fast; a bad model file becomes an error event of that request). Call
// preload_local_engine() at startup to load eagerly and fail fast instead. The registry
// keeps engines only while some provider holds them.
//
// Queue full -> Error{no_route, retry_after_seconds} (503 + Retry-After); a prompt that
// does not fit the context -> invalid_argument; a model that does not load ->
// upstream_unavailable. Usage comes from the engine's own counts (estimated = false).
#pragma once

#include <memory>

#include "local_engine/engine.h"
#include "providers/contract.h"
#include "providers/local/local_request.h"

namespace switchyard::providers::local {

// Engine options from a `kind: local` ProviderConfig (model_path, threads,
// context_length, max_sequences, chat_template, kv_cache, device, prefix_cache_mb,
// max_choices).
engine::EngineOptions engine_options_from(const ProviderConfig& config);

// The shared engine for config.model_path, opened now if nobody holds it.
Result<std::shared_ptr<engine::Engine>> acquire_local_engine(const ProviderConfig& config);
inline Result<void> preload_local_engine(const ProviderConfig& config) {
  auto e = acquire_local_engine(config);
  if (!e) return std::unexpected(e.error());
  return {};
}

std::shared_ptr<Provider> make_local_provider(const ProviderConfig& config);
// Over an engine the caller made (tests, embedding).
std::shared_ptr<Provider> make_local_provider(std::shared_ptr<engine::Engine> engine);

}  // namespace switchyard::providers::local
