// Shared state on PostgreSQL (db/shared_state.h): budget reservations that are atomic across
// instances, and change notifications. Needs the test server (SWITCHYARD_TEST_PG_URL): when
// it is set and the server does not answer, these fail; unset, they say so and stop.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <unistd.h>

#include "db/ledger_writer.h"
#include "db/shared_state.h"
#include "db/store.h"
#include "temp_db.h"

using namespace switchyard::db;
using switchyard::testing::PgDatabase;
using switchyard::testing::pg_server_url;

namespace {

bool have_pg() {
  if (!pg_server_url().empty()) return true;
  WARN("SWITCHYARD_TEST_PG_URL is not set: not run (scripts/test.sh starts PostgreSQL)");
  return false;
}

}  // namespace

TEST_CASE("3 instances x 50 concurrent reservations on a key with room for 10 never overspend", "[db][shared][budget]") {
  if (!have_pg()) return;
  PgDatabase pg;
  REQUIRE(pg.error() == "");
  auto store = open_store(pg.url());
  REQUIRE(store.has_value());
  const std::string key(64, 'b');
  constexpr int64_t kCost = 1'000'000, kLimit = 10 * kCost;
  std::vector<std::unique_ptr<SharedBudgets>> instances;
  for (int i = 0; i < 3; ++i) {
    auto b = open_shared_budgets(pg.url(), 4);
    REQUIRE(b.has_value());
    REQUIRE(*b);
    instances.push_back(std::move(*b));
  }
  std::atomic<int> reserved{0}, refused{0}, errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    for (int t = 0; t < 50; ++t)
      threads.emplace_back([&, i] {
        auto r = instances[i]->reserve(BudgetReservation{key, 0, kCost, kLimit, now_unix_ms()});
        if (!r) ++errors;
        else if (r->reserved) ++reserved;
        else ++refused;
      });
  for (auto& th : threads) th.join();
  CHECK(errors == 0);
  CHECK(reserved == 10);
  CHECK(refused == 140);
  // Settling at the real cost frees what was over-held, and the next window is separate.
  for (int i = 0; i < 10; ++i) REQUIRE(instances[i % 3]->settle(key, 0, kCost, kCost / 2, now_unix_ms()));
  int more = 0;
  for (int i = 0; i < 20; ++i)
    if (instances[i % 3]->reserve(BudgetReservation{key, 0, kCost, kLimit, now_unix_ms()}).value().reserved) ++more;
  CHECK(more == 5);
  auto w = instances[0]->reserve(BudgetReservation{key, 0, kCost, kLimit, now_unix_ms()}).value();
  CHECK_FALSE(w.reserved);
  CHECK(w.usage_pico == 10 * kCost / 2);
  CHECK(w.reserved_pico == 5 * kCost);
  CHECK(instances[1]->reserve(BudgetReservation{key, 86'400'000, kCost, kLimit, now_unix_ms()}).value().reserved);
}

TEST_CASE("a budget window seen first starts from the ledger's spend in it", "[db][shared][budget]") {
  if (!have_pg()) return;
  PgDatabase pg;
  REQUIRE(pg.error() == "");
  auto store = open_store(pg.url());
  REQUIRE(store.has_value());
  const std::string key(64, 'c');
  REQUIRE((*store)->insert_usage_batch({switchyard::db::testing::sample_usage("gen-old", key, 7, 1000),
                                        switchyard::db::testing::sample_usage("gen-new", key, 9, 5000)}));
  auto b = std::move(*open_shared_budgets(pg.url(), 1));
  auto w = b->reserve(BudgetReservation{key, 2000, 1, 100, now_unix_ms()}).value();
  CHECK(w.reserved);
  CHECK(w.usage_pico == 9);  // only the row inside the window
}

TEST_CASE("SQLite has no shared state: the factories answer nullptr, not an error", "[db][shared]") {
  switchyard::db::testing::TempDb tmp;
  auto b = open_shared_budgets(tmp.path());
  REQUIRE(b.has_value());
  CHECK_FALSE(*b);
  auto l = listen_for_changes(tmp.path(), [](Change) {});
  REQUIRE(l.has_value());
  CHECK_FALSE(*l);
}

TEST_CASE("a key or price written on one connection is announced to the listeners of others", "[db][shared][notify]") {
  if (!have_pg()) return;
  PgDatabase pg;
  REQUIRE(pg.error() == "");
  auto store = open_store(pg.url());
  REQUIRE(store.has_value());
  std::mutex mu;
  std::condition_variable cv;
  int keys = 0, prices = 0;
  auto listener = listen_for_changes(pg.url(), [&](Change c) {
    std::lock_guard lock(mu);
    (c == Change::keys ? keys : prices)++;
    cv.notify_all();
  });
  REQUIRE(listener.has_value());
  REQUIRE(*listener);
  auto created = (*store)->create_key("k");
  REQUIRE(created.has_value());
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return keys >= 1; }));
  }
  PriceRow p;
  p.model = "m";
  p.provider = "p";
  p.upstream_model = "u";
  p.source = "api";
  REQUIRE((*store)->add_price(p));
  std::unique_lock lock(mu);
  CHECK(cv.wait_for(lock, std::chrono::seconds(5), [&] { return prices >= 1; }));
}

TEST_CASE("a ledger whose PostgreSQL connection is killed reconnects and loses no row", "[db][shared][outage]") {
  if (!have_pg()) return;
  PgDatabase pg;
  REQUIRE(pg.error() == "");
  // Its own application_name, so only its connections are killed.
  const std::string app = "sy_kill_" + std::to_string(::getpid()) + "_" + std::to_string(now_unix_ms() % 100000);
  const std::string url = pg.url() + "&application_name=" + app;
  LedgerOptions o;
  o.retry_min_ms = 5;
  o.retry_max_ms = 50;
  auto w = LedgerWriter::open(url, o);
  REQUIRE(w.has_value());
  const std::string key(64, 'd');
  for (int i = 0; i < 100; ++i) (*w)->push(switchyard::db::testing::sample_usage("gen-k" + std::to_string(i), key, 1));
  (*w)->flush();
  auto killer = open_store(pg.url());  // reads the result back
  REQUIRE(killer.has_value());
  REQUIRE(switchyard::testing::pg_admin_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" +
                                             app + "'") == "");
  for (int i = 100; i < 200; ++i) (*w)->push(switchyard::db::testing::sample_usage("gen-k" + std::to_string(i), key, 1));
  (*w)->flush();
  CHECK((*w)->stats().records_failed == 0);
  CHECK((*w)->stats().outages == 1);  // the kill was seen, ridden out, and reconnected from
  CHECK((*killer)->usage_totals().value()[key] == 200);
}
