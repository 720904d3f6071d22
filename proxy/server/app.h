// The composition root (DESIGN.md §2): one running Switchyard. It opens the stores, builds
// the services (key table, health tracker, ledger writer, the live catalog) and hands each
// route table exactly the services it uses; no handler sees the App. main.cpp, the
// integration tests and the benchmarks all start one of these.
#pragma once

#include <httplib.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "db/ledger_writer.h"
#include "db/shared_state.h"
#include "db/store.h"
#include "proxy/auth/key_table.h"
#include "proxy/auth/rate_limiter.h"
#include "proxy/billing/pricing_book.h"
#include "proxy/metrics/proxy_metrics.h"
#include "proxy/pipeline/access_log.h"
#include "proxy/pipeline/key_budget.h"
#include "proxy/config/config.h"
#include "proxy/http/route_table.h"
#include "proxy/routing/catalog.h"
#include "proxy/routing/health.h"
#include "proxy/server/hardened_server.h"

namespace switchyard::proxy {

struct AppOptions {
  std::shared_ptr<const Config> config;
  std::string database_url;           // a store URL; overrides config->database_url when non-empty
  ProviderRegistry::Factory factory;  // overrides each kind's provider factory (tests)
  bool quiet = false;                 // no access log lines
  std::FILE* access_log_to = stderr;  // where access log lines go (tests: a file)
  std::function<int64_t()> now_ms;    // the clock for budgets, rate limits, prices (tests); default real
  int64_t key_poll_interval_ms = 1000;  // how soon key changes made elsewhere apply
  int port = 0;  // the port it will serve on, when known: names its default ledger spill file
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

  // Live reload: builds a catalog from `config` and makes it current for new requests;
  // requests in flight keep the one they started with. A config that cannot be built (a
  // local model that does not load) is refused and the current one keeps serving.
  // Settings that need a restart (server, database) are kept, with a warning each.
  Result<void> reload(std::shared_ptr<const Config> config);
  // Re-reads the file the current config came from (SIGHUP).
  Result<void> reload_from_file();

  // Config loaded, database writable, at least one endpoint usable; the reason when not.
  Result<void> ready();

  // For tests and benchmarks.
  std::shared_ptr<const Catalog> catalog() const { return catalog_->current(); }
  KeyTable& keys() { return *keys_; }
  db::LedgerWriter& ledger() { return *ledger_; }
  HealthTracker& health() { return *health_; }
  billing::PricingBook& prices() { return *prices_; }
  const metrics::ProxyMetrics& metrics() const { return *metrics_; }

 private:
  App() = default;
  Result<void> open_services();
  Result<void> open_shared_state();  // shared budgets, change listener, rate limiter
  void on_change(db::Change change);  // a change another instance committed
  void refresh_prices();
  Result<std::shared_ptr<const Catalog>> build(std::shared_ptr<const Config> config);
  int64_t now() const { return options_.now_ms(); }
  void configure_server();
  void mount_routes();

  AppOptions options_;
  std::string database_url_;
  std::unique_ptr<db::LedgerWriter> ledger_;
  std::unique_ptr<db::Store> reader_;  // GET endpoints and the readiness probe
  std::unique_ptr<KeyTable> keys_;
  std::unique_ptr<HealthTracker> health_;
  std::unique_ptr<db::Store> admin_store_;  // admin writes (keys, prices, audit)
  std::unique_ptr<billing::PricingBook> prices_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<Budget> budget_;                // null: reservations held in the key table
  std::unique_ptr<db::ChangeListener> listener_;  // null: changes arrive by the key poll alone
  std::unique_ptr<metrics::ProxyMetrics> metrics_;
  std::unique_ptr<AccessLog> access_log_;  // nullptr: --quiet or logging.access_log: false
  std::unique_ptr<CatalogHolder> catalog_;
  std::mutex reload_mu_;  // one reload at a time
  HardenedServer server_;       // our connection loop in front of httplib's routing
  RouteTable routes_{server_};  // every route, for 405s and CORS preflights
  std::atomic<bool> stopped_{false};
};

}  // namespace switchyard::proxy
