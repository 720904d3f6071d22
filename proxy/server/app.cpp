#include "proxy/server/app.h"

#include <cstdio>
#include <filesystem>

#include "proxy/api/openai/chat_handler.h"
#include "proxy/http/error.h"
#include "proxy/api/openai/info_handlers.h"

namespace switchyard::proxy {

namespace {

// Handlers never throw (they return errors as values); this wrapper is the last line, as
// llama.cpp's server does with ex_wrapper: a stray exception becomes a 500 JSON error.
template <class F>
httplib::Server::Handler guarded(F f) {
  return [f](const httplib::Request& req, httplib::Response& res) {
    try {
      f(req, res);
    } catch (const std::exception& e) {
      res.status = 500;
      res.set_content(error_body(Error{ErrorKind::internal, std::string("Internal error: ") + e.what(), 0, {}, 0}),
                      kJsonContentType);
    } catch (...) {
      res.status = 500;
      res.set_content(error_body(Error{ErrorKind::internal, "Internal error", 0, {}, 0}), kJsonContentType);
    }
  };
}

}  // namespace

Result<std::unique_ptr<App>> App::create(AppOptions options) {
  std::unique_ptr<App> app(new App());
  app->options_ = options;
  app->config_ = options.config;
  if (!app->config_) return fail(ErrorKind::internal, "no configuration given");

  std::string path = options.database_url.empty() ? app->config_->database_url : options.database_url;
  auto ledger = db::LedgerWriter::open(path);
  if (!ledger) return fail(ErrorKind::internal, "cannot open database " + path + ": " + ledger.error().message);
  app->ledger_ = std::move(*ledger);
  auto reader = db::open_store(path);
  if (!reader) return fail(ErrorKind::internal, "cannot open database " + path + ": " + reader.error().message);
  app->reader_ = std::move(*reader);
  auto key_store = db::open_store(path);
  if (!key_store) return fail(ErrorKind::internal, "cannot open database " + path + ": " + key_store.error().message);
  app->keys_ = std::make_unique<KeyTable>(std::move(*key_store));
  if (auto ok = app->keys_->load(); !ok) return std::unexpected(ok.error());

  auto registry = ProviderRegistry::build(*app->config_, options.factory);
  if (!registry) return std::unexpected(registry.error());
  app->registry_ = std::move(*registry);
  auto health_store = db::open_store(path);
  if (!health_store)
    return fail(ErrorKind::internal, "cannot open database " + path + ": " + health_store.error().message);
  HealthOptions ho;
  ho.circuit_failure_threshold = app->config_->routing.circuit_failure_threshold;
  ho.circuit_cooldown_ms = app->config_->routing.circuit_cooldown_ms;
  ho.flush_interval_ms = app->config_->routing.health_flush_interval_ms;
  ho.retention_days = app->config_->routing.health_retention_days;
  app->health_ = std::make_unique<HealthTracker>(ho, std::move(*health_store));
  app->router_ = std::make_unique<Router>(app->config_, app->registry_, app->health_.get());
  app->install_routes();
  return app;
}

App::~App() { stop(); }

void App::install_routes() {
  const ServerConfig& sc = config_->server;
  server_.new_task_queue = [n = sc.threads] { return new httplib::ThreadPool(static_cast<size_t>(n)); };
  server_.set_payload_max_length(static_cast<size_t>(sc.max_body_bytes));
  server_.set_read_timeout(std::chrono::milliseconds(sc.read_timeout_ms));
  server_.set_write_timeout(std::chrono::milliseconds(sc.write_timeout_ms));
  server_.set_keep_alive_max_count(static_cast<size_t>(sc.keep_alive_max_count));
  server_.set_keep_alive_timeout(std::max<time_t>(1, sc.keep_alive_timeout_ms / 1000));
  server_.set_tcp_nodelay(true);

  server_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(error_body(Error{ErrorKind::internal, "Internal error", 0, {}, 0}), kJsonContentType);
  });
  // httplib answers some requests itself (no route, body too large): give those our shape.
  server_.set_error_handler([max = sc.max_body_bytes](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    Error e{ErrorKind::not_found, "No such endpoint: " + req.method + " " + req.path, 0, {}, 0};
    if (res.status == 413)
      e = Error{ErrorKind::payload_too_large,
                "Request body too large: the limit is " + std::to_string(max) + " bytes", 0, {}, 0};
    else if (res.status != 404)
      e = Error{ErrorKind::invalid_argument, "Bad request", res.status, {}, 0};
    res.set_content(error_body(e), kJsonContentType);
  });

  for (const char* prefix : {"/v1", "/api/v1"}) {
    std::string p = prefix;
    server_.Post(p + "/chat/completions", guarded([this](const auto& req, auto& res) {
                   handle_chat(*this, req, res, ChatEndpointOptions{false});
                 }));
    server_.Post(p + "/completions", guarded([this](const auto& req, auto& res) {
                   handle_chat(*this, req, res, ChatEndpointOptions{true});
                 }));
    server_.Get(p + "/models", guarded([this](const auto& req, auto& res) { handle_models(*this, req, res); }));
    server_.Get(p + "/generation", guarded([this](const auto& req, auto& res) { handle_generation(*this, req, res); }));
    server_.Get(p + "/key", guarded([this](const auto& req, auto& res) { handle_key(*this, req, res); }));
    server_.Get(p + "/auth/key", guarded([this](const auto& req, auto& res) { handle_key(*this, req, res); }));
    server_.Get(p + R"(/models/([^/]+)/([^/]+)/endpoints)",
                guarded([this](const auto& req, auto& res) { handle_endpoints(*this, req, res); }));
  }
  server_.Get("/health/ready", guarded([this](const auto& req, auto& res) { handle_ready(*this, req, res); }));
  server_.Get("/health/live", [](const auto&, auto& res) { res.set_content("{\"status\":\"ok\"}", kJsonContentType); });
}

Result<int> App::bind(const std::string& host, int port) {
  int bound = port;
  if (port == 0) {
    bound = server_.bind_to_any_port(host);
    if (bound <= 0) return fail(ErrorKind::internal, "cannot bind " + host + " on any port");
  } else if (!server_.bind_to_port(host, port)) {
    return fail(ErrorKind::internal, "cannot bind " + host + ":" + std::to_string(port) + " (in use?)");
  }
  return bound;
}

void App::serve() { server_.listen_after_bind(); }

void App::stop() {
  if (stopped_.exchange(true)) return;
  server_.stop();
  if (ledger_) ledger_->stop();  // writes everything queued
  if (health_) health_->flush();
}

Result<void> App::ready() {
  auto writable = with_reader([](db::Store& s) { return s.check_writable(); });
  if (!writable) return fail(ErrorKind::no_route, "database not writable: " + writable.error().message);
  for (const auto& m : config_->models)
    for (const auto& e : m.endpoints) {
      const ProviderConfig* pc = config_->find_provider(e.provider);
      if (pc && registry_->find(pc->name) && health_->would_admit(EndpointId{m.id, pc->name, e.upstream_model}))
        return {};
    }
  return fail(ErrorKind::no_route, "no usable endpoint: every provider is skipped or cooling down");
}

}  // namespace switchyard::proxy
