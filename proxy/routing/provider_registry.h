// Provider instances by name, built once per configuration (one per providers[] entry),
// each with its kind (providers/registry.h) for the capabilities the router checks.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "providers/contract.h"
#include "providers/registry.h"
#include "proxy/config/config.h"

namespace switchyard::proxy {

class ProviderRegistry {
 public:
  using Factory = std::function<Result<std::shared_ptr<Provider>>(const ProviderConfig&)>;

  // Builds every configured provider with `factory` (default: its kind's make). A provider
  // that cannot be built (e.g. a local model file that does not load) is an error.
  static Result<std::shared_ptr<ProviderRegistry>> build(const Config& config, const Factory& factory = {});

  std::shared_ptr<Provider> find(const std::string& name) const;
  // The kind of a configured provider; nullptr for an unknown name.
  const ProviderKind* kind_of(const std::string& name) const;

 private:
  struct Entry {
    std::shared_ptr<Provider> impl;
    const ProviderKind* kind = nullptr;
  };
  std::map<std::string, Entry> providers_;
};

}  // namespace switchyard::proxy
