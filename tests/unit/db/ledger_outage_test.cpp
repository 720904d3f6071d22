// A database outage under load loses no row (issue 12): the writer keeps the batch, queues
// up to max_queued_rows in memory, spills the rest to its file (fsynced), and writes all of
// it when the database answers again, in push order; stopping during an outage leaves the
// rows in the spill file for the next writer. The outage is a store that answers
// `unavailable` on demand, over the real store of each backend (a server that is away:
// ErrorCode::unavailable, what libpq's broken connections map to).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include <unistd.h>

#include "db/ledger_writer.h"
#include "db/spill_file.h"
#include "db/store.h"
#include "support/eventually.h"
#include "temp_db.h"

using namespace switchyard::db;
using switchyard::db::testing::sample_usage;
using switchyard::testing::eventually;

namespace {

class FlakyStore final : public UsageStore {
 public:
  FlakyStore(std::unique_ptr<Store> inner, std::shared_ptr<std::atomic<bool>> down) : inner_(std::move(inner)), down_(down) {}
  std::expected<BatchResult, Error> insert_usage_batch(const std::vector<UsageRecord>& r) override {
    if (*down_) return std::unexpected(Error{"server away (test)", ErrorCode::unavailable});
    return inner_->insert_usage_batch(r);
  }
  std::expected<std::optional<UsageRecord>, Error> get_generation(const std::string& id) override { return inner_->get_generation(id); }
  std::expected<std::vector<UsageRecord>, Error> activity(const ActivityQuery& q) override { return inner_->activity(q); }
  std::expected<std::vector<UsageBucket>, Error> usage_rollups(const UsageQuery& q) override { return inner_->usage_rollups(q); }
  std::expected<std::vector<UsageRow>, Error> usage_page(const ExportQuery& q, int64_t a, int64_t l) override {
    return inner_->usage_page(q, a, l);
  }
  std::expected<int64_t, Error> prune_usage(int64_t b) override { return inner_->prune_usage(b); }

 private:
  std::unique_ptr<Store> inner_;
  std::shared_ptr<std::atomic<bool>> down_;
};

const std::string kKey(64, 'k');

std::string spill_path_for(const char* name) {
  static std::atomic<int> n{0};
  return "/tmp/switchyard-spill-" + std::string(name) + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".log";
}

struct Rig {
  switchyard::testing::TestStoreUrl& db;
  std::string spill;
  std::shared_ptr<std::atomic<bool>> down = std::make_shared<std::atomic<bool>>(false);
  std::unique_ptr<LedgerWriter> open() {
    LedgerOptions o;
    o.max_batch = 50;
    o.max_queued_rows = 100;
    o.spill_path = spill;
    o.retry_min_ms = 5;
    o.retry_max_ms = 20;
    auto store = open_store(db.path());
    REQUIRE(store.has_value());
    auto w = LedgerWriter::create(std::make_unique<FlakyStore>(std::move(*store), down), o);
    REQUIRE(w.has_value());
    return std::move(*w);
  }
};

}  // namespace

TEST_CASE("an outage under load queues, spills past the bound, and loses no row", "[db][ledger][outage]") {
  FOR_EACH_STORE(tmp);
  Rig rig{tmp, spill_path_for("load")};
  std::filesystem::remove(rig.spill);
  auto w = rig.open();
  for (int i = 0; i < 20; ++i) w->push(sample_usage("gen-before-" + std::to_string(i), kKey, 1));
  w->flush();

  *rig.down = true;
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) w->push(sample_usage("gen-" + std::to_string(t) + "-" + std::to_string(i), kKey, 3));
    });
  for (auto& th : threads) th.join();
  // Memory stays bounded: everything past the bound (and the batch being retried) is on disk.
  REQUIRE(eventually([&] { return w->stats().records_spilled >= kThreads * kEach - 100 - 50; }));
  CHECK(w->stats().database_unavailable);
  CHECK(w->stats().records_failed == 0);
  CHECK(SpillFile(rig.spill).has_rows());

  *rig.down = false;  // the database returns
  w->flush();
  LedgerStats st = w->stats();
  CHECK_FALSE(st.database_unavailable);
  CHECK(st.outages == 1);
  CHECK(st.records_failed == 0);
  CHECK(st.records_replayed == st.records_spilled);
  CHECK_FALSE(SpillFile(rig.spill).has_rows());
  auto reader = open_store(tmp.path());
  REQUIRE(reader.has_value());
  CHECK((*reader)->usage_totals().value()[kKey] == 20 + 3 * kThreads * kEach);
  CHECK((*reader)->activity(ActivityQuery{0, INT64_MAX, std::nullopt, 0}).value().size() == 20 + kThreads * kEach);
  std::filesystem::remove(rig.spill);
}

TEST_CASE("stopping during an outage keeps every row in the spill file for the next writer", "[db][ledger][outage]") {
  FOR_EACH_STORE(tmp);
  Rig rig{tmp, spill_path_for("stop")};
  std::filesystem::remove(rig.spill);
  {
    auto w = rig.open();
    *rig.down = true;
    for (int i = 0; i < 300; ++i) w->push(sample_usage("gen-s" + std::to_string(i), kKey, 2));
    REQUIRE(eventually([&] { return w->stats().database_unavailable; }));
    w->stop();  // returns although the database is still away
    CHECK(w->stats().records_failed == 0);
  }
  CHECK(SpillFile(rig.spill).has_rows());
  *rig.down = false;
  auto w = rig.open();  // replays the file before anything else
  w->push(sample_usage("gen-after", kKey, 5));
  w->flush();
  CHECK_FALSE(SpillFile(rig.spill).has_rows());
  auto reader = open_store(tmp.path());
  CHECK((*reader)->usage_totals().value()[kKey] == 300 * 2 + 5);
  std::filesystem::remove(rig.spill);
}

TEST_CASE("spill lines round-trip every field, and torn lines are skipped", "[db][ledger][outage]") {
  UsageRecord r = sample_usage("gen-tab\there", kKey, 7);
  r.error_message = "line one\nline two\\ with a backslash\tand a tab";
  r.latency_ms = std::nullopt;
  r.price_id = std::nullopt;
  r.attempts = {AttemptRecord{0, "p", "m", 503, "upstream_unavailable", "refused\n", std::nullopt, 5},
                AttemptRecord{1, "q", "n", 200, "", "", 42, 6}};
  auto back = decode_spill_record(encode_spill_record(r));
  REQUIRE(back.has_value());
  CHECK(*back == r);
  std::string line = encode_spill_record(r);
  CHECK_FALSE(decode_spill_record(line.substr(0, line.size() / 2)).has_value());
  CHECK_FALSE(decode_spill_record("").has_value());
  CHECK_FALSE(decode_spill_record("v1\tgarbage").has_value());
}
