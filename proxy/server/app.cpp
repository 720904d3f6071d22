#include "proxy/server/app.h"

#include <cstdio>

#include "proxy/admin/dashboard_routes.h"
#include "proxy/auth/redis_rate_limiter.h"
#include "proxy/admin/routes.h"
#include "proxy/api/anthropic/routes.h"
#include "proxy/api/openai/routes.h"
#include "proxy/api/responses/routes.h"
#include "proxy/http/error.h"
#include "proxy/http/guarded.h"
#include "proxy/routing/price_seeding.h"
#include "proxy/server/head_admission.h"
#include "proxy/server/health_routes.h"
#include "proxy/server/http_policies.h"
#include "proxy/server/metrics_wiring.h"

namespace switchyard::proxy {

namespace {

Result<std::unique_ptr<db::Store>> open_store(const std::string& url) {
  auto s = db::open_store(url);
  if (!s) return fail(ErrorKind::internal, "cannot open database " + db::redact_store_url(url) + ": " + s.error().message);
  return std::move(*s);
}

HealthOptions health_options(const RoutingConfig& r, bool shared_store) {
  HealthOptions ho;
  ho.merge_shared = shared_store;
  ho.circuit_failure_threshold = r.circuit_failure_threshold;
  ho.circuit_cooldown_ms = r.circuit_cooldown_ms;
  ho.flush_interval_ms = r.health_flush_interval_ms;
  ho.retention_days = r.health_retention_days;
  return ho;
}

}  // namespace

Result<std::unique_ptr<App>> App::create(AppOptions options) {
  if (!options.config) return fail(ErrorKind::internal, "no configuration given");
  std::unique_ptr<App> app(new App());
  app->options_ = std::move(options);
  if (!app->options_.now_ms) app->options_.now_ms = db::now_unix_ms;
  if (auto ok = app->open_services(); !ok) return std::unexpected(ok.error());
  app->configure_server();
  app->mount_routes();
  return app;
}

// One connection per user of the store: the ledger writer, the GET endpoints, the key
// table and the health tracker each have their own, so none waits on another.
Result<void> App::open_services() {
  const Config& config = *options_.config;
  database_url_ = options_.database_url.empty() ? config.database_url : options_.database_url;
  db::LedgerOptions ledger_options;
  ledger_options.usage_retention_ms = config.usage_retention_days * 86'400'000;
  ledger_options.max_queued_rows = static_cast<size_t>(config.database_max_queued_rows);
  // A server that can be away needs the spill file; an embedded SQLite file cannot be.
  ledger_options.spill_path = !config.database_spill_path.empty() ? config.database_spill_path
                              : db::is_postgres_url(database_url_)
                                  ? "data/ledger-spill-" + std::to_string(options_.port ? options_.port : config.server.port) + ".log"
                                  : "";
  auto ledger = db::LedgerWriter::open(database_url_, ledger_options);
  if (!ledger)
    return fail(ErrorKind::internal,
                "cannot open database " + db::redact_store_url(database_url_) + ": " + ledger.error().message);
  ledger_ = std::move(*ledger);
  auto reader = open_store(database_url_);
  if (!reader) return std::unexpected(reader.error());
  reader_ = std::move(*reader);
  auto key_store = open_store(database_url_);
  if (!key_store) return std::unexpected(key_store.error());
  keys_ = std::make_unique<KeyTable>(std::move(*key_store), KeyTableOptions{options_.key_poll_interval_ms, options_.now_ms});
  if (auto ok = keys_->load(); !ok) return std::unexpected(ok.error());
  auto health_store = open_store(database_url_);
  if (!health_store) return std::unexpected(health_store.error());
  health_ = std::make_unique<HealthTracker>(health_options(config.routing, db::is_postgres_url(database_url_)), std::move(*health_store));
  auto admin_store = open_store(database_url_);
  if (!admin_store) return std::unexpected(admin_store.error());
  admin_store_ = std::move(*admin_store);
  prices_ = std::make_unique<billing::PricingBook>();
  if (auto ok = open_shared_state(); !ok) return std::unexpected(ok.error());
  metrics_ = std::make_unique<metrics::ProxyMetrics>(config.metrics.per_key);
  auto catalog = build(options_.config);
  if (!catalog) return std::unexpected(catalog.error());
  catalog_ = std::make_unique<CatalogHolder>(std::move(*catalog));
  add_scrape_gauges(*metrics_, *catalog_, *health_, *ledger_);
  return {};
}

// The pricing book learns the config's prices first, so the router built next sees them.
Result<std::shared_ptr<const Catalog>> App::build(std::shared_ptr<const Config> config) {
  if (auto ok = load_and_seed_prices(*config, admin_store_.get(), *prices_, now()); !ok) return std::unexpected(ok.error());
  return build_catalog(std::move(config), CatalogServices{options_.factory, health_.get(), prices_.get(), options_.now_ms});
}

static HardenedServerOptions server_options(const ServerConfig& sc) {
  HardenedServerOptions o;
  o.max_body_bytes = static_cast<uint64_t>(sc.max_body_bytes);
  o.header_timeout = std::chrono::milliseconds(sc.header_timeout_ms);
  o.read_timeout = std::chrono::milliseconds(sc.read_timeout_ms);
  o.write_timeout = std::chrono::milliseconds(sc.write_timeout_ms);
  o.keep_alive_timeout = std::chrono::milliseconds(sc.keep_alive_timeout_ms);
  o.keep_alive_max_count = static_cast<size_t>(sc.keep_alive_max_count);
  o.request_decompression = sc.request_decompression;
  o.max_connections_per_ip = static_cast<size_t>(sc.max_connections_per_ip);
  o.max_completions = static_cast<size_t>(std::max<int64_t>(1, sc.max_workers - sc.reserved_workers));
  o.listen_backlog = static_cast<int>(sc.listen_backlog);
  o.pool.min_threads = static_cast<size_t>(std::min<int64_t>(sc.threads, sc.max_workers));
  o.pool.max_threads = static_cast<size_t>(sc.max_workers);
  o.pool.max_queue = static_cast<size_t>(sc.accept_queue);
  return o;
}

void App::configure_server() {
  const ServerConfig& sc = options_.config->server;
  server_.configure(server_options(sc));
  server_.set_head_policy([keys = keys_.get()](const RequestHead& head) { return admit_head(head, *keys); });
  // httplib reads only the request our loop already checked (hardened_server.h).
  server_.set_payload_max_length(static_cast<size_t>(sc.max_body_bytes));
  server_.set_write_timeout(std::chrono::milliseconds(sc.write_timeout_ms));
  server_.set_tcp_nodelay(true);
  server_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    send_error(res, Error{ErrorKind::internal, "Internal error", 0, {}, 0});
  });
  install_error_handler(server_, routes_, sc.max_body_bytes);
  install_cors(server_, routes_, sc.cors_origins);
}

void App::mount_routes() {
  const LoggingConfig& logging = options_.config->logging;  // applies at start-up, not on reload
  if (!options_.quiet && logging.access_log) access_log_ = std::make_unique<AccessLog>(logging.json, options_.access_log_to);
  PipelineServices pipeline{catalog_.get(), keys_.get(), health_.get(), ledger_.get(), limiter_.get(),
                            metrics_.get(), options_.now_ms, access_log_.get(), budget_.get()};
  InfoServices info{catalog_.get(), keys_.get(), health_.get(), reader_.get(), ledger_.get(), prices_.get(),
                    options_.now_ms};
  mount_openai_routes(routes_, OpenAiServices{pipeline, info});
  admin::mount_admin_routes(routes_, admin::AdminServices{keys_.get(), admin_store_.get(), ledger_.get(), prices_.get(),
                                                          catalog_.get(), health_.get(), options_.now_ms});
  admin::mount_dashboard_routes(routes_, admin::embedded_dashboard());
  anthropic::mount_anthropic_routes(routes_, anthropic::AnthropicServices{pipeline});
  mount_responses_routes(routes_, pipeline);
  mount_health_routes(routes_, [this] { return ready(); });
  mount_metrics_route(routes_, *metrics_, options_.config->metrics.token);
}

// Several instances on one PostgreSQL store share budgets and hear each other's changes;
// with rate_limits.redis_url they share rate limits. SQLite: all of it stays in memory.
Result<void> App::open_shared_state() {
  const Config& config = *options_.config;
  const bool shared_store = db::is_postgres_url(database_url_);
  auto budgets = db::open_shared_budgets(database_url_, 4);
  if (!budgets) return fail(ErrorKind::internal, "cannot open shared budgets: " + budgets.error().message);
  if (*budgets) budget_ = std::make_unique<SharedBudget>(std::move(*budgets));
  auto listener = db::listen_for_changes(database_url_, [this](db::Change c) { on_change(c); });
  if (!listener) std::fprintf(stderr, "warning: no change notifications (%s): changes made elsewhere apply within the key poll\n",
                              listener.error().message.c_str());
  else listener_ = std::move(*listener);
  if (config.rate_limits.redis_url.empty()) {
    if (shared_store)
      std::fprintf(stderr, "rate limits: no rate_limits.redis_url: each instance counts its own requests against the limits\n");
    limiter_ = std::make_unique<LocalRateLimiter>(options_.now_ms);
    return {};
  }
  auto redis = std::make_unique<RedisRateLimiter>(RedisLimiterOptions{
      config.rate_limits.redis_url, config.rate_limits.redis_fail_open ? RedisFailure::open : RedisFailure::closed});
  if (redis->reachable()) std::fprintf(stderr, "rate limits: shared by every instance through Redis\n");
  limiter_ = std::move(redis);
  return {};
}

// Runs on the listener's thread; both reads are what the 1 s poll would do, sooner.
void App::on_change(db::Change change) {
  if (change == db::Change::keys && keys_) keys_->poll_changes();
  if (change == db::Change::prices) refresh_prices();
}

void App::refresh_prices() {
  if (!admin_store_ || !prices_) return;
  auto rows = admin_store_->prices_after(prices_->last_id());
  if (!rows) return;  // the store is away: the listener reports again once it reconnects
  for (const auto& row : *rows) prices_->add(row);
}

App::~App() { stop(); }

Result<int> App::bind(const std::string& host, int port) {
  const int bound = server_.bind(host, port);
  if (bound <= 0)
    return fail(ErrorKind::internal, port == 0 ? "cannot bind " + host + " on any port"
                                               : "cannot bind " + host + ":" + std::to_string(port) + " (in use?)");
  return bound;
}

void App::serve() { server_.serve(); }

void App::stop() {
  if (stopped_.exchange(true)) return;
  server_.shutdown();  // waits for requests in flight: their rows are queued before the ledger stops
  listener_.reset();  // no reload may run against services being stopped
  if (ledger_) ledger_->stop();  // writes everything queued
  if (health_) health_->flush();
}

Result<void> App::reload(std::shared_ptr<const Config> config) {
  std::lock_guard lock(reload_mu_);
  auto current = catalog_->current();
  auto next = build(config);
  if (!next) return std::unexpected(next.error());
  catalog_->replace(std::move(*next));
  for (const auto& w : config->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  if (config->database_url != current->config->database_url)
    std::fprintf(stderr, "warning: database settings change only at restart\n");
  return {};
}

Result<void> App::reload_from_file() {
  auto config = load_config(catalog_->current()->config->source_path);
  if (!config) return std::unexpected(config.error());
  return reload(*config);
}

Result<void> App::ready() {
  auto writable = reader_->check_writable();
  if (!writable) return fail(ErrorKind::no_route, "database not writable: " + writable.error().message);
  auto catalog = catalog_->current();
  for (const auto& m : catalog->config->models)
    for (const auto& e : m.endpoints) {
      const ProviderConfig* pc = catalog->config->find_provider(e.provider);
      if (pc && catalog->providers->find(pc->name) && health_->would_admit(EndpointId{m.id, pc->name, e.upstream_model}))
        return {};
    }
  return fail(ErrorKind::no_route, "no usable endpoint: every provider is skipped or cooling down");
}

}  // namespace switchyard::proxy
