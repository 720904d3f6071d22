#include "proxy/routing/provider_registry.h"

#include "providers/anthropic/anthropic_provider.h"
#include "providers/local/local_provider.h"
#include "providers/openai_compat/openai_provider.h"

namespace switchyard::proxy {

Result<std::shared_ptr<Provider>> make_provider(const ProviderConfig& config) {
  if (config.kind == "openai") return std::make_shared<providers::openai_compat::OpenAiCompatProvider>();
  if (config.kind == "anthropic") return std::shared_ptr<Provider>(anthropic::make_anthropic_provider());
  if (config.kind == "local") {
    // Load the weights now: a bad model file stops start-up with a clear error instead of
    // failing the first request, and the first request does not pay for the load.
    auto engine = providers::local::acquire_local_engine(config);
    if (!engine)
      return fail(ErrorKind::internal, "provider '" + config.name + "': " + engine.error().message);
    return providers::local::make_local_provider(*engine);
  }
  return fail(ErrorKind::internal, "provider '" + config.name + "': kind '" + config.kind + "' is not available");
}

Result<std::shared_ptr<ProviderRegistry>> ProviderRegistry::build(const Config& config, const Factory& factory) {
  auto registry = std::make_shared<ProviderRegistry>();
  for (const auto& pc : config.providers) {
    auto p = factory ? factory(pc) : make_provider(pc);
    if (!p) return std::unexpected(p.error());
    registry->providers_[pc.name] = std::move(*p);
  }
  return registry;
}

std::shared_ptr<Provider> ProviderRegistry::find(const std::string& name) const {
  auto it = providers_.find(name);
  return it == providers_.end() ? nullptr : it->second;
}

}  // namespace switchyard::proxy
