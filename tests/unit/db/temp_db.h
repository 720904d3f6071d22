// A unique SQLite file under /tmp for one test, removed (with its WAL files) afterwards.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <string>

#include "db/records.h"
#include "support/test_servers.h"

// Runs the enclosing test once per store implementation: SQLite, and PostgreSQL when the
// test server is configured (SWITCHYARD_TEST_PG_URL; unreachable = a failure, not a skip).
// Declares `tmp`, a fresh store whose path() is its URL.
#define FOR_EACH_STORE(tmp)                                                                        \
  const std::string store_backend_ = GENERATE(from_range(::switchyard::testing::store_backends())); \
  INFO("store: " << store_backend_);                                                               \
  ::switchyard::testing::TestStoreUrl tmp(store_backend_);                                         \
  REQUIRE(tmp.error() == "")

namespace switchyard::db::testing {

class TempDb {
 public:
  TempDb() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path_ = "/tmp/switchyard-db-test-" + std::to_string(::getpid()) + "-" +
            std::to_string(counter++) + "-" + std::to_string(rd()) + ".db";
    remove_all();
  }
  ~TempDb() { remove_all(); }
  TempDb(const TempDb&) = delete;
  const std::string& path() const { return path_; }

 private:
  void remove_all() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(path_ + suffix, ec);
  }
  std::string path_;
};

// A record with every field set to something distinct from its default.
inline UsageRecord sample_usage(const std::string& generation_id, const std::string& key_hash,
                                int64_t cost_pico, int64_t created = 1'700'000'000'000) {
  UsageRecord r;
  r.generation_id = generation_id;
  r.key_hash = key_hash;
  r.model = "meta-llama/llama-3.1-8b-instruct";
  r.provider = "deepinfra";
  r.upstream_model = "meta-llama/Meta-Llama-3.1-8B-Instruct";
  r.prompt_tokens = 11;
  r.completion_tokens = 22;
  r.cached_tokens = 3;
  r.cache_write_tokens = 4;
  r.reasoning_tokens = 5;
  r.cost_pico = cost_pico;
  r.status = 200;
  r.latency_ms = 123;
  r.total_ms = 456;
  r.generation_ms = 333;
  r.streamed = true;
  r.finish_reason = "stop";
  r.native_finish_reason = "end_turn";
  r.api = "messages";
  r.price_id = 7;
  r.insured = true;
  r.waived_pico = 99;
  r.created = created;
  return r;
}

}  // namespace switchyard::db::testing
