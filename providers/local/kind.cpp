#include "providers/local/kind.h"

#include <yaml-cpp/yaml.h>

#include "providers/config_reader.h"

#include "local_engine/engine.h"
#include "providers/local/local_provider.h"

namespace switchyard::providers::local {

namespace {

void read_local_config(ConfigReader& r, const YAML::Node& n, const std::string& p, ProviderConfig& pc) {
  r.string(n, p, "model_path", pc.model_path, true);
  r.integer(n, p, "threads", pc.threads, 0, 1024);
  r.integer(n, p, "context_length", pc.context_length, 0, 1 << 24);
  r.integer(n, p, "max_sequences", pc.max_sequences, 0, 1024);
  r.string(n, p, "chat_template", pc.chat_template);
  r.one_of(n, p, "kv_cache", pc.kv_cache, {"f32", "f16"});
  if (r.string(n, p, "device", pc.device) && !engine::parse_device(pc.device))
    r.fail(ConfigReader::join(p, "device"), "auto, cpu or cuda:N", n["device"]);
  r.integer(n, p, "prefix_cache_mb", pc.prefix_cache_mb, 0, int64_t{1} << 24);
  r.integer(n, p, "max_choices", pc.max_choices, 1, 1024);
}

Result<std::shared_ptr<Provider>> make(const ProviderConfig& config) {
  // Load the weights now: a bad model file stops start-up with a clear error instead of
  // failing the first request, and the first request does not pay for the load.
  auto engine = acquire_local_engine(config);
  if (!engine) return fail(ErrorKind::internal, "provider '" + config.name + "': " + engine.error().message);
  return make_local_provider(*engine);
}

}  // namespace

ProviderKind kind() {
  ProviderKind k;
  k.name = "local";
  // What the engine's sampler, stop handling, grammar-constrained decoding (response_format,
  // tools) and forked choices (n, up to max_choices) implement.
  k.capabilities.knows_tokenizer = true;
  k.capabilities.max_choices = 4;  // the engine's default bound; max_choices raises it (up to 1024)
  k.capabilities.parameters = {"max_tokens",        "temperature",      "top_p",
                               "top_k",             "min_p",            "top_a",
                               "frequency_penalty", "presence_penalty", "repetition_penalty",
                               "seed",              "stop",             "logit_bias",
                               "logprobs",          "top_logprobs",     "response_format",
                               "tools",             "tool_choice",      "parallel_tool_calls",
                               "n"};
  k.config_keys = {"model_path", "threads", "context_length", "max_sequences", "chat_template", "kv_cache", "device",
                   "prefix_cache_mb", "max_choices"};
  k.read_config = read_local_config;
  k.make = make;
  return k;
}

}  // namespace switchyard::providers::local
