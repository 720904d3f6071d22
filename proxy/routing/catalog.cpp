#include "proxy/routing/catalog.h"

namespace switchyard::proxy {

Result<std::shared_ptr<const Catalog>> build_catalog(std::shared_ptr<const Config> config, const CatalogServices& s) {
  if (!config) return fail(ErrorKind::internal, "no configuration given");
  auto providers = ProviderRegistry::build(*config, s.factory);
  if (!providers) return std::unexpected(providers.error());
  auto catalog = std::make_shared<Catalog>();
  catalog->config = config;
  catalog->providers = std::move(*providers);
  catalog->router = std::make_shared<const Router>(config, catalog->providers, s.health, s.prices, s.now_ms);
  return std::shared_ptr<const Catalog>(std::move(catalog));
}

}  // namespace switchyard::proxy
