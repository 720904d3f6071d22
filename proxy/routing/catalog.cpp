#include "proxy/routing/catalog.h"

namespace switchyard::proxy {

Result<std::shared_ptr<const Catalog>> build_catalog(std::shared_ptr<const Config> config,
                                                     const ProviderRegistry::Factory& factory,
                                                     const HealthTracker* health) {
  if (!config) return fail(ErrorKind::internal, "no configuration given");
  auto providers = ProviderRegistry::build(*config, factory);
  if (!providers) return std::unexpected(providers.error());
  auto catalog = std::make_shared<Catalog>();
  catalog->config = config;
  catalog->providers = std::move(*providers);
  catalog->router = std::make_shared<const Router>(config, catalog->providers, health);
  return std::shared_ptr<const Catalog>(std::move(catalog));
}

}  // namespace switchyard::proxy
