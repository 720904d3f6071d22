#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "db/ledger_writer.h"
#include "db/store.h"
#include "temp_db.h"

using namespace switchyard::db;
using switchyard::db::testing::TempDb;
using switchyard::db::testing::sample_usage;

namespace {
std::string key_for(int i) { return std::string(64, static_cast<char>('a' + i)); }
}  // namespace

TEST_CASE("records pushed from many threads are all written with exact sums", "[db][ledger]") {
  FOR_EACH_STORE(tmp);
  auto writer = LedgerWriter::open(tmp.path());
  REQUIRE(writer.has_value());
  constexpr int kThreads = 4, kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Costs differ per record so a lost or doubled row changes the sum.
        (*writer)->push(sample_usage("gen-" + std::to_string(t) + "-" + std::to_string(i), key_for(t),
                                     1'000'000'007LL * (i + 1)));
      }
    });
  }
  for (auto& th : threads) th.join();
  (*writer)->flush();

  LedgerStats st = (*writer)->stats();
  CHECK(st.records_written == kThreads * kPerThread);
  CHECK(st.records_failed == 0);
  CHECK(st.records_duplicate == 0);
  CHECK(st.batches >= 1);
  CHECK(st.batches <= kThreads * kPerThread);
  CHECK(st.batches_failed == 0);

  // Read through a separate connection, as the proxy's readers do.
  auto reader = open_store(tmp.path());
  REQUIRE(reader.has_value());
  auto totals = (*reader)->usage_totals().value();
  const int64_t per_key = 1'000'000'007LL * kPerThread * (kPerThread + 1) / 2;
  REQUIRE(totals.size() == kThreads);
  for (int t = 0; t < kThreads; ++t) CHECK(totals[key_for(t)] == per_key);
  CHECK((*reader)->get_generation("gen-3-499").value().has_value());
}

TEST_CASE("flush waits only for what was pushed and can be called repeatedly", "[db][ledger]") {
  FOR_EACH_STORE(tmp);
  auto writer = LedgerWriter::open(tmp.path());
  REQUIRE(writer.has_value());
  (*writer)->flush();  // nothing pushed: returns at once
  auto reader = open_store(tmp.path());
  REQUIRE(reader.has_value());
  for (int round = 1; round <= 3; ++round) {
    (*writer)->push(sample_usage("gen-r" + std::to_string(round), key_for(0), 10));
    (*writer)->flush();
    // Durable after flush: a reader on another connection sees it immediately.
    CHECK((*reader)->usage_totals().value()[key_for(0)] == 10 * round);
  }
  CHECK((*writer)->stats().records_written == 3);
}

TEST_CASE("the destructor writes everything still queued", "[db][ledger]") {
  FOR_EACH_STORE(tmp);
  {
    auto writer = LedgerWriter::open(tmp.path());
    REQUIRE(writer.has_value());
    for (int i = 0; i < 1000; ++i) (*writer)->push(sample_usage("gen-d" + std::to_string(i), key_for(1), 3));
  }  // no flush: ~LedgerWriter must drain
  auto reader = open_store(tmp.path());
  REQUIRE(reader.has_value());
  CHECK((*reader)->usage_totals().value()[key_for(1)] == 3000);
}

TEST_CASE("push after stop is written, not dropped", "[db][ledger]") {
  FOR_EACH_STORE(tmp);
  auto writer = LedgerWriter::open(tmp.path());
  REQUIRE(writer.has_value());
  (*writer)->push(sample_usage("gen-before", key_for(0), 1));
  (*writer)->stop();
  (*writer)->stop();  // idempotent
  (*writer)->push(sample_usage("gen-after", key_for(0), 2));
  (*writer)->flush();
  CHECK((*writer)->stats().records_written == 2);
  auto reader = open_store(tmp.path());
  REQUIRE(reader.has_value());
  CHECK((*reader)->get_generation("gen-after").value().has_value());
}

TEST_CASE("push stamps a missing created time", "[db][ledger]") {
  FOR_EACH_STORE(tmp);
  auto writer = LedgerWriter::open(tmp.path());
  REQUIRE(writer.has_value());
  UsageRecord r = sample_usage("gen-stamp", key_for(0), 1, /*created=*/0);
  r.attempts = {AttemptRecord{0, "p", "m", 200, "", "", 5, 0}};
  int64_t before = now_unix_ms();
  (*writer)->push(r);
  (*writer)->flush();
  auto reader = open_store(tmp.path());
  REQUIRE(reader.has_value());
  auto got = (*reader)->get_generation("gen-stamp").value();
  REQUIRE(got.has_value());
  CHECK(got->created >= before);
  REQUIRE(got->attempts.size() == 1);
  CHECK(got->attempts[0].created == got->created);
}

// Duplicates are the expected failure (a record pushed twice): INSERT ... ON CONFLICT DO
// NOTHING keeps the first copy and the batch commits. Any other bad row (here a negative
// cost, which a CHECK rejects) aborts the batch; the writer retries once, then writes the
// batch row by row so only the bad row is lost, reported on stderr and in stats.
TEST_CASE("bad records never crash the writer or cost the other rows", "[db][ledger]") {
  FOR_EACH_STORE(tmp);
  auto writer = LedgerWriter::open(tmp.path());
  REQUIRE(writer.has_value());
  LedgerWriter& w = **writer;

  SECTION("duplicate generation id within the queued records") {
    w.push(sample_usage("gen-a", key_for(0), 5));
    w.push(sample_usage("gen-dup", key_for(0), 7));
    w.push(sample_usage("gen-dup", key_for(0), 1000));
    w.push(sample_usage("gen-b", key_for(0), 11));
    w.flush();
    LedgerStats st = w.stats();
    CHECK(st.records_written == 3);
    CHECK(st.records_duplicate == 1);
    CHECK(st.records_failed == 0);
    auto reader = open_store(tmp.path());
    CHECK((*reader)->usage_totals().value()[key_for(0)] == 5 + 7 + 11);
  }

  SECTION("a record the schema rejects") {
    // max_batch is large, but the writer may split pushes into several batches; either way
    // every good row must land and exactly the bad one must fail.
    for (int i = 0; i < 50; ++i) w.push(sample_usage("gen-good-" + std::to_string(i), key_for(0), 2));
    w.push(sample_usage("gen-poison", key_for(0), -1));
    for (int i = 50; i < 100; ++i) w.push(sample_usage("gen-good-" + std::to_string(i), key_for(0), 2));
    w.flush();
    LedgerStats st = w.stats();
    CHECK(st.records_written == 100);
    CHECK(st.records_failed == 1);
    CHECK(st.batches_failed == 1);
    auto reader = open_store(tmp.path());
    CHECK((*reader)->usage_totals().value()[key_for(0)] == 200);
    CHECK_FALSE((*reader)->get_generation("gen-poison").value().has_value());

    // The writer keeps going afterwards.
    w.push(sample_usage("gen-later", key_for(0), 3));
    w.flush();
    CHECK(w.stats().records_written == 101);
  }
}

TEST_CASE("small max_batch splits a backlog into several transactions", "[db][ledger]") {
  FOR_EACH_STORE(tmp);
  LedgerOptions opts;
  opts.max_batch = 7;
  auto writer = LedgerWriter::open(tmp.path(), opts);
  REQUIRE(writer.has_value());
  for (int i = 0; i < 100; ++i) (*writer)->push(sample_usage("gen-m" + std::to_string(i), key_for(2), 1));
  (*writer)->flush();
  LedgerStats st = (*writer)->stats();
  CHECK(st.records_written == 100);
  CHECK(st.batches >= 100 / 7);
}

TEST_CASE("opening a writer on a bad path is an error value", "[db][ledger]") {
  auto writer = LedgerWriter::open("/dev/null/not-a-directory/ledger.db");
  REQUIRE_FALSE(writer.has_value());
  CHECK_FALSE(writer.error().message.empty());
}
