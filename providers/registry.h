// Provider kinds (DESIGN.md §2): each providers/<kind>/ folder describes itself once, here
// looked up by the `kind:` of a config.yaml providers entry: what it can do, which config
// keys it reads and how, and how to build a Provider from the result. Nothing else compares
// kind strings.
#pragma once

#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "providers/contract.h"

// Declared only: what includes this header (most of the proxy) need not parse yaml-cpp.
namespace YAML {
class Node;
}

namespace switchyard {

class ConfigReader;  // providers/config_reader.h

struct ProviderCapabilities {
  // The most choices (n) one request may ask of this kind; a provider entry may declare
  // fewer (ProviderConfig::max_choices).
  int64_t max_choices = 1;
  bool knows_tokenizer = false;    // can count a prompt's tokens exactly (count_tokens)
  // The request parameters this kind honours, in OpenRouter's naming: what an endpoint
  // lists as supported_parameters unless the catalog narrows it.
  std::vector<std::string> parameters;

  bool supports(std::string_view parameter) const;
  bool multiple_choices() const { return max_choices > 1; }
};

struct ProviderKind {
  std::string name;  // the `kind:` value, e.g. "openai"
  ProviderCapabilities capabilities;
  std::set<std::string> config_keys;  // keys of its own, beside the common ones
  // Reads those keys of one providers[] entry at `path` into `config` (the common keys are
  // already read); errors go to `reader`.
  void (*read_config)(ConfigReader& reader, const YAML::Node& node, const std::string& path,
                      ProviderConfig& config) = nullptr;
  // Builds the provider (a local kind loads its model here, so a bad file stops start-up).
  Result<std::shared_ptr<Provider>> (*make)(const ProviderConfig& config) = nullptr;
};

// The most choices one request may ask of a configured provider.
int64_t max_choices_of(const ProviderKind& kind, const ProviderConfig& provider);

// Every kind this binary has, in a fixed order.
std::span<const ProviderKind> provider_kinds();
// nullptr when no kind has that name.
const ProviderKind* find_provider_kind(std::string_view name);
// "openai, anthropic, local": for messages.
std::string provider_kind_names();

// Every parameter the proxy normalizes and an OpenAI-compatible upstream may take.
const std::vector<std::string>& all_request_parameters();

}  // namespace switchyard
