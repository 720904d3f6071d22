// Three Switchyard instances on one PostgreSQL store (and one Redis when the test server is
// configured), each on its own port, for the multi-instance tests (issue 12). The store is a
// fresh schema on the test server (support/test_servers.h); the instances are real Apps in
// this process, each with its own connections, tables and threads, as separate processes
// would have.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "admin_fixture.h"
#include "support/test_servers.h"

namespace switchyard::testing {

class Instance {
 public:
  Instance(const std::string& yaml, const std::string& url, proxy::ProviderRegistry::Factory factory,
           int64_t key_poll_interval_ms) {
    auto cfg = proxy::parse_config(yaml, "cluster-test.yaml");
    if (!cfg) throw std::runtime_error("config: " + cfg.error().message);
    proxy::AppOptions opts;
    opts.config = *cfg;
    opts.database_url = url;
    opts.factory = std::move(factory);
    opts.quiet = true;
    opts.key_poll_interval_ms = key_poll_interval_ms;
    port_ = start_serving(std::move(opts), app_, thread_);
  }
  ~Instance() { stop(); }
  void stop() {
    if (app_) app_->stop();
    if (thread_.joinable()) thread_.join();
  }
  proxy::App& app() { return *app_; }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(20, 0);
    return c;
  }

 private:
  std::unique_ptr<proxy::App> app_;
  std::thread thread_;
  int port_ = 0;
};

struct Cluster {
  PgDatabase pg;
  std::shared_ptr<ScriptLog> log = std::make_shared<ScriptLog>();
  SharedScripter script = [](const OpenParams&) {
    return Script{{ev_role(), ev_text("hi"), ev_finish("stop"), ev_usage(10, 100)}};
  };
  std::unique_ptr<db::Store> store;  // the operator's own connection
  std::vector<std::unique_ptr<Instance>> instances;
  std::string admin;

  // key_poll_interval_ms 0: no key poll, so a change can only arrive by notification.
  explicit Cluster(bool with_redis = false, int64_t key_poll_interval_ms = 0) {
    REQUIRE(pg.error() == "");
    std::string yaml = kAdminConfig;
    if (with_redis) yaml += "rate_limits: { redis_url: \"" + redis_server_url() + "\", redis_failure: closed }\n";
    auto s = db::open_store(pg.url());
    REQUIRE(s.has_value());
    store = std::move(*s);
    for (int i = 0; i < 3; ++i)
      instances.push_back(std::make_unique<Instance>(
          yaml, pg.url(),
          [this](const ProviderConfig&) -> Result<std::shared_ptr<Provider>> {
            return std::make_shared<ScriptedProvider>([this](const OpenParams& p) { return script(p); }, log);
          },
          key_poll_interval_ms));
    auto k = store->create_key(db::NewKey{"ops", std::nullopt, "", std::nullopt, true, {}, {}, {}});
    REQUIRE(k.has_value());
    admin = k->key;
  }
  ~Cluster() { instances.clear(); }  // every App stopped before the schema goes

  httplib::Result call(int i, const std::string& method, const std::string& path, const std::string& body = {},
                       const std::string& key = {}) {
    auto c = instances[i]->client();
    httplib::Headers h = bearer(key.empty() ? admin : key);
    if (method == "GET") return c.Get(path.c_str(), h);
    if (method == "PATCH") return c.Patch(path.c_str(), h, body, "application/json");
    return c.Post(path.c_str(), h, body, "application/json");
  }
  httplib::Result chat(int i, const std::string& key, const std::string& model = "test/m") {
    return call(i, "POST", "/v1/chat/completions",
                R"({"model":")" + model + R"(","max_tokens":100,"messages":[{"role":"user","content":"hello"}]})", key);
  }
  void flush_all() {
    for (auto& in : instances) in->app().ledger().flush();
  }
};

// Waits for `f` (up to `limit`); returns how long it took, or nullopt.
template <class F>
std::optional<std::chrono::milliseconds> time_until(F f, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto start = std::chrono::steady_clock::now();
  while (!f()) {
    if (std::chrono::steady_clock::now() - start > limit) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

inline bool have_cluster_servers(bool redis = false) {
  if (!pg_server_url().empty() && (!redis || !redis_server_url().empty())) return true;
  WARN("SWITCHYARD_TEST_PG_URL / SWITCHYARD_TEST_REDIS_URL not set: not run (scripts/test.sh starts the servers)");
  return false;
}

}  // namespace switchyard::testing
