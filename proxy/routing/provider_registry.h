// Provider instances by name, built once from the config (one per providers[] entry).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "providers/contract.h"
#include "proxy/config/config.h"

namespace switchyard::proxy {

class ProviderRegistry {
 public:
  using Factory = std::function<Result<std::shared_ptr<Provider>>(const ProviderConfig&)>;

  // Builds every configured provider with `factory` (default: by kind). A provider that
  // cannot be built (e.g. a local model file that does not load) is an error.
  static Result<std::shared_ptr<ProviderRegistry>> build(const Config& config, const Factory& factory = {});

  std::shared_ptr<Provider> find(const std::string& name) const;

 private:
  std::map<std::string, std::shared_ptr<Provider>> providers_;
};

// The default factory: kind openai → openai_compat, anthropic → anthropic, local → engine.
Result<std::shared_ptr<Provider>> make_provider(const ProviderConfig& config);

}  // namespace switchyard::proxy
