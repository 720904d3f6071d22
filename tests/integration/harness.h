// Starts a real Switchyard App on 127.0.0.1:0 with a temp database, for integration tests.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "db/store.h"
#include "proxy/server/app.h"
#include "proxy/config/config.h"

namespace switchyard::testing {

inline std::string temp_path(const std::string& stem) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return (std::filesystem::temp_directory_path() /
          (stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(rd()) + ".db"))
      .string();
}

// What a test may change about the App beyond its config.
struct ProxyTestOptions {
  std::function<int64_t()> now_ms;  // a controlled clock for budgets, rate limits, prices
  int64_t key_poll_interval_ms = 1000;
  std::FILE* access_log = nullptr;  // when set, access-log lines go here (else none)
};

// An App on `opts`, bound to 127.0.0.1:0 and serving on `thread`; returns its port. Throws
// what failed (the proxy harness here and the cluster harness's instances both start so).
inline int start_serving(proxy::AppOptions opts, std::unique_ptr<proxy::App>& app, std::thread& thread) {
  auto created = proxy::App::create(opts);
  if (!created) throw std::runtime_error("app: " + created.error().message);
  app = std::move(*created);
  auto port = app->bind("127.0.0.1", 0);
  if (!port) throw std::runtime_error("bind: " + port.error().message);
  proxy::App* serving = app.get();
  thread = std::thread([serving] { serving->serve(); });
  return *port;
}

class RunningProxy {
 public:
  // `yaml` is a whole config.yaml text; the database is a fresh temp file.
  RunningProxy(const std::string& yaml, proxy::ProviderRegistry::Factory factory = {},
               proxy::LoadConfigOptions config_options = {}, ProxyTestOptions test_options = {}) {
    db_path_ = temp_path("switchyard-test");
    auto cfg = proxy::parse_config(yaml, "test-config.yaml", config_options);
    if (!cfg) throw std::runtime_error("config: " + cfg.error().message);
    proxy::AppOptions opts;
    opts.config = *cfg;
    opts.database_url = db_path_;
    opts.factory = std::move(factory);
    opts.quiet = test_options.access_log == nullptr;
    if (test_options.access_log) opts.access_log_to = test_options.access_log;
    opts.now_ms = test_options.now_ms;
    opts.key_poll_interval_ms = test_options.key_poll_interval_ms;
    port_ = start_serving(std::move(opts), app_, thread_);
    auto store = db::open_store(db_path_);
    if (!store) throw std::runtime_error("store: " + store.error().message);
    store_ = std::move(*store);
  }
  ~RunningProxy() {
    app_->stop();
    if (thread_.joinable()) thread_.join();
    store_.reset();
    app_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path_ + suffix);
  }

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(20, 0);
    c.set_tcp_nodelay(true);
    return c;
  }
  // A fresh API key (plaintext), optionally with a USD limit in picodollars.
  std::string create_key(const std::string& name = "test", std::optional<int64_t> limit_pico = std::nullopt) {
    auto k = store_->create_key(name, limit_pico);
    if (!k) throw std::runtime_error("create_key: " + k.error().message);
    return k->key;
  }
  db::Store& store() { return *store_; }
  const std::string& db_path() const { return db_path_; }
  // A management key (plaintext) for the admin API.
  std::string create_management_key(const std::string& name = "ops") {
    auto k = store_->create_key(db::NewKey{name, std::nullopt, "", std::nullopt, true, {}, {}, {}});
    if (!k) throw std::runtime_error("create_key: " + k.error().message);
    return k->key;
  }
  proxy::App& app() { return *app_; }
  void flush() { app_->ledger().flush(); }
  // The ledger row of a generation whose last bytes the server may still be writing (a
  // client that hung up learns nothing more): waits until the row exists, up to `timeout`.
  std::optional<db::UsageRecord> wait_for_generation(const std::string& id,
                                                     std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      flush();
      auto got = store_->get_generation(id);
      if (got && *got) return **got;
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

 private:
  std::string db_path_;
  std::unique_ptr<proxy::App> app_;
  std::unique_ptr<db::Store> store_;
  std::thread thread_;
  int port_ = 0;
};

inline httplib::Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

// The payloads of an SSE body's `data:` events, in order ("[DONE]" included).
inline std::vector<std::string> sse_data(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    const size_t end = body.find("\n\n", pos);
    out.push_back(body.substr(pos + 6, end == std::string::npos ? std::string::npos : end - pos - 6));
    if (end == std::string::npos) break;
    pos = end;
  }
  return out;
}

}  // namespace switchyard::testing
