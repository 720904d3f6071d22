// One running Switchyard: the immutable config and everything built from it, plus the
// HTTP server. main.cpp, the integration tests and the benchmarks all start one of these.
#pragma once

#include <httplib.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "db/ledger_writer.h"
#include "db/store.h"
#include "proxy/config/config.h"
#include "proxy/routing/health.h"
#include "proxy/auth/key_table.h"
#include "proxy/routing/provider_registry.h"
#include "proxy/routing/router.h"

namespace switchyard::proxy {

struct AppOptions {
  std::shared_ptr<const Config> config;
  std::string database_url;           // a store URL; overrides config->database_url when non-empty
  ProviderRegistry::Factory factory;  // overrides the default provider factory (tests)
  bool quiet = false;                 // no access log lines on stderr
};

class App {
 public:
  static Result<std::unique_ptr<App>> create(AppOptions options);
  ~App();

  // Binds host:port (port 0 picks a free one) and returns the bound port.
  Result<int> bind(const std::string& host, int port);
  // Serves until stop(); blocking.
  void serve();
  // Stops accepting, then flushes the ledger. Safe from a signal-watching thread.
  void stop();

  const Config& config() const { return *config_; }
  KeyTable& keys() { return *keys_; }
  db::LedgerWriter& ledger() { return *ledger_; }
  const Router& router() const { return *router_; }
  const ProviderRegistry& registry() const { return *registry_; }
  HealthTracker& health() { return *health_; }
  // Config loaded, database writable, at least one endpoint usable; the reason when not.
  Result<void> ready();
  bool quiet() const { return options_.quiet; }
  // A read connection for GET endpoints (guarded; WAL lets it read beside the writer).
  template <class F>
  auto with_reader(F&& f) {
    std::lock_guard lock(reader_mu_);
    return f(*reader_);
  }

 private:
  App() = default;
  void install_routes();

  AppOptions options_;
  std::shared_ptr<const Config> config_;
  std::unique_ptr<db::LedgerWriter> ledger_;
  std::unique_ptr<db::Store> reader_;
  std::mutex reader_mu_;
  std::unique_ptr<KeyTable> keys_;
  std::shared_ptr<const ProviderRegistry> registry_;
  std::unique_ptr<HealthTracker> health_;
  std::unique_ptr<Router> router_;
  httplib::Server server_;
  std::atomic<bool> stopped_{false};
};

}  // namespace switchyard::proxy
