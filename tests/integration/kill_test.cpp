// Issue 16: the binary killed under load. SIGKILL: the database stays intact and only rows
// of the last moments (what the ledger writer had not committed) may be missing; SIGTERM:
// every request answered has its row.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "harness.h"
#include "support/child_process.h"
#include "support/mock_upstream.h"

using namespace switchyard;
using namespace switchyard::testing;

namespace {

using Clock = std::chrono::steady_clock;

struct Answered {
  std::string generation_id;
  Clock::time_point at;
};

struct LoadedServer {
  MockUpstream up{MockUpstream::Options{64, false}};
  std::string dir = temp_path("switchyard-kill");
  std::string db_path = dir + "/ledger.db";
  std::unique_ptr<ChildProcess> child;
  std::string key;
  int port = 0;
  std::mutex mu;
  std::vector<Answered> answered;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;

  LoadedServer() {
    up.set_response(MockResponse::fast());
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/config.yaml") << "providers:\n  - name: up\n    kind: openai\n    base_url: \"" + up.base_url() +
                                                "\"\n"
                                                "models:\n  - id: test/m\n    context_length: 8192\n    endpoints:\n"
                                                "      - { provider: up, model: m, pricing: { prompt: 1, completion: 2 } }\n";
    key = (*db::open_store(db_path))->create_key("kill")->key;
    child = std::make_unique<ChildProcess>(std::vector<std::string>{
        switchyard_binary(), "serve", "--config", dir + "/config.yaml", "--port", "0", "--db", db_path, "--quiet"});
    port = port_from_listening_line(child->read_line());
    REQUIRE(port > 0);
  }
  ~LoadedServer() {
    stop_load();
    child.reset();
    std::filesystem::remove_all(dir);
  }
  void start_load(int threads) {
    for (int t = 0; t < threads; ++t)
      clients.emplace_back([this] {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(5, 0);
        c.set_keep_alive(true);
        const std::string body = R"({"model":"test/m","messages":[{"role":"user","content":"hi"}]})";
        while (!stop) {
          auto r = c.Post("/v1/chat/completions", bearer(key), body, "application/json");
          if (!r) continue;  // the server is gone
          if (r->status != 200) continue;
          std::lock_guard lock(mu);
          answered.push_back({r->get_header_value("X-Generation-Id"), Clock::now()});
        }
      });
  }
  void stop_load() {
    stop = true;
    for (auto& t : clients) t.join();
    clients.clear();
  }
  size_t answered_count() {
    std::lock_guard lock(mu);
    return answered.size();
  }
  void wait_answered(size_t n) {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (answered_count() < n && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(answered_count() >= n);
  }
};

std::string integrity(const std::string& path) {
  sqlite3* db = nullptr;
  std::string out = "cannot open";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

// The answered requests whose rows are not in the database.
std::vector<Answered> missing_rows(const std::string& db_path, const std::vector<Answered>& answered) {
  auto store = db::open_store(db_path);
  REQUIRE(store);
  std::vector<Answered> missing;
  for (const auto& a : answered) {
    auto row = (*store)->get_generation(a.generation_id);
    if (!row || !*row) missing.push_back(a);
  }
  return missing;
}

}  // namespace

TEST_CASE("kill: SIGKILL under load leaves the database intact, losing only the last moments' rows",
          "[kill][integration]") {
  LoadedServer s;
  s.start_load(4);
  s.wait_answered(300);
  s.child->signal(SIGKILL);
  const auto killed = Clock::now();
  s.child->wait();
  s.stop_load();
  CHECK(integrity(s.db_path) == "ok");
  // The writer commits continuously in batches; what was answered more than a flush
  // interval (generously 500 ms on a busy machine) before the kill is on disk.
  for (const auto& m : missing_rows(s.db_path, s.answered))
    CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(killed - m.at).count() < 500);
}

TEST_CASE("kill: SIGTERM under load loses no row", "[kill][integration]") {
  LoadedServer s;
  s.start_load(4);
  s.wait_answered(300);
  s.child->signal(SIGTERM);
  CHECK(s.child->wait() == 0);
  s.stop_load();
  CHECK(integrity(s.db_path) == "ok");
  CHECK(missing_rows(s.db_path, s.answered).empty());
  CHECK(s.answered.size() >= 300);
}
