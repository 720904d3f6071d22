// ElasticPool (proxy/server/elastic_pool.h): threads on demand up to max_threads, a bounded
// queue, and starved(): jobs no thread is free to take.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "proxy/server/elastic_pool.h"
#include "support/eventually.h"

using namespace switchyard::proxy;
using switchyard::testing::eventually;
using namespace std::chrono_literals;

namespace {

// Jobs that block until open() (the test decides when workers are free again).
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool is_open = false;
  std::atomic<int> entered{0}, left{0};
  std::function<void()> job() {
    return [this] {
      entered.fetch_add(1);
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return is_open; });
      left.fetch_add(1);
    };
  }
  void open() {
    std::lock_guard lock(mu);
    is_open = true;
    cv.notify_all();
  }
};

}  // namespace

TEST_CASE("ElasticPool: a job queued while a thread is idle is not starved", "[pool]") {
  ElasticPool pool(ElasticPoolOptions{2, 2, 8, 1 << 20, 10s});
  Gate gate;
  REQUIRE(pool.submit(gate.job()));
  // Two idle threads, one job: whether or not a thread has woken for it yet, one is free.
  CHECK(pool.starved() == 0);
  REQUIRE(eventually([&] { return gate.entered.load() == 1; }));
  CHECK(pool.starved() == 0);
  gate.open();
}

TEST_CASE("ElasticPool: jobs beyond max_threads queue, are starved, and run once threads free", "[pool]") {
  ElasticPool pool(ElasticPoolOptions{0, 2, 1, 1 << 20, 10s});
  Gate gate;
  REQUIRE(pool.submit(gate.job()));
  REQUIRE(pool.submit(gate.job()));
  REQUIRE(eventually([&] { return gate.entered.load() == 2; }));
  CHECK(pool.threads() == 2);
  CHECK(pool.starved() == 0);
  REQUIRE(pool.submit(gate.job()));  // no thread left: it waits in the queue
  CHECK(pool.queued() == 1);
  CHECK(pool.starved() == 1);
  CHECK_FALSE(pool.submit(gate.job()));  // the queue (1) is full
  gate.open();
  REQUIRE(eventually([&] { return gate.left.load() == 3; }));
  REQUIRE(eventually([&] { return pool.busy() == 0; }));
  CHECK(pool.starved() == 0);
  CHECK(pool.queued() == 0);
}

TEST_CASE("ElasticPool: threads above min_threads exit after idle_exit", "[pool]") {
  ElasticPool pool(ElasticPoolOptions{1, 4, 8, 1 << 20, 50ms});
  Gate gate;
  for (int i = 0; i < 3; ++i) REQUIRE(pool.submit(gate.job()));
  REQUIRE(eventually([&] { return gate.entered.load() == 3; }));
  CHECK(pool.threads() == 3);
  gate.open();
  CHECK(eventually([&] { return pool.threads() == 1; }));
  CHECK(pool.starved() == 0);
}
