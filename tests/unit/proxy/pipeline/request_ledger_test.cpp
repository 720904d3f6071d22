// RequestLedger: one usage row and one health outcome per request, on every exit path.
#include <catch2/catch.hpp>

#include "db/key_hash.h"
#include "db/ledger_writer.h"
#include "proxy/pipeline/request_ledger.h"
#include "unit/db/temp_db.h"

using namespace switchyard;
using namespace switchyard::proxy;
using switchyard::db::testing::TempDb;

namespace {

const EndpointId kServed{"m/x", "prov", "up-x"};

struct Fixture {
  TempDb tmp;
  std::unique_ptr<db::LedgerWriter> writer;
  std::unique_ptr<db::Store> reader;
  HealthTracker health{[] {
                         HealthOptions o;
                         o.flush_interval_ms = 0;
                         return o;
                       }(),
                       nullptr};
  std::shared_ptr<KeyEntry> key =
      std::make_shared<KeyEntry>(db::hash_key("sk-test"), KeySettings{}, 0, 0, db::now_unix_ms());

  Fixture() {
    writer = std::move(*db::LedgerWriter::open(tmp.path()));
    reader = std::move(*db::open_store(tmp.path()));
  }
  LedgerServices services() { return LedgerServices{writer.get(), &health, nullptr, nullptr, {}, nullptr}; }
  std::vector<db::UsageRecord> rows() {
    writer->flush();
    return *reader->activity(db::ActivityQuery{0, INT64_MAX, std::nullopt, 0});
  }
  AttemptOutcome ok() {
    AttemptOutcome o;
    o.success = true;
    o.status = 200;
    return o;
  }
};

}  // namespace

TEST_CASE("a ledger finishes once and records the cost on the key", "[pipeline][ledger]") {
  Fixture f;
  {
    RequestLedger l(f.services(), ApiSurface::messages);
    l.set_key(f.key);
    l.served(kServed, f.ok());
    Outcome o;
    o.usage.prompt_tokens = 10;
    o.usage.completion_tokens = 3;
    o.cost = billing::Picodollars(1234);
    o.finish_reason = "stop";
    l.finish(o);
    l.finish(o);  // ignored
    l.finish_error(Error{ErrorKind::internal, "late", 0, {}, 0});  // ignored
    CHECK(l.finished());
  }
  auto rows = f.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].api == "messages");
  CHECK(rows[0].status == 200);
  CHECK(rows[0].cost_pico == 1234);
  CHECK(rows[0].provider == "prov");
  CHECK(rows[0].model == "m/x");
  CHECK(f.key->budget(db::now_unix_ms()).usage_total == 1234);
  CHECK(f.health.health(kServed).requests_last_5m == 1);
}

TEST_CASE("a ledger dropped unfinished records an internal error, and without a key nothing", "[pipeline][ledger]") {
  Fixture f;
  { RequestLedger unauthenticated(f.services(), ApiSurface::chat); }
  {
    RequestLedger l(f.services(), ApiSurface::chat);
    l.set_key(f.key);
  }
  auto rows = f.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == 500);
  CHECK(rows[0].error_message.find("without an outcome") != std::string::npos);
}

TEST_CASE("a failure after the first byte blames the endpoint unless the request or client caused it",
          "[pipeline][ledger]") {
  auto [kind, cancelled, counted_failure] = GENERATE(table<ErrorKind, bool, bool>({
      {ErrorKind::upstream_error, false, true},
      {ErrorKind::timeout, false, true},
      {ErrorKind::invalid_argument, false, false},
      {ErrorKind::upstream_error, true, false},  // the client left: not the endpoint's fault
  }));
  Fixture f;
  {
    RequestLedger l(f.services(), ApiSurface::chat);
    l.set_key(f.key);
    l.record().streamed = true;
    l.served(kServed, f.ok());
    l.first_byte();
    Outcome o;
    o.status = http_status(kind);
    o.error = Error{kind, "broke", 0, {}, 0};
    o.after_first_byte = true;
    o.cancelled = cancelled;
    l.finish(o);
  }
  auto rows = f.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == (cancelled ? 499 : http_status(kind)));
  CHECK(rows[0].cancelled == cancelled);
  CHECK(rows[0].finish_reason == (cancelled ? "" : "error"));
  EndpointHealth h = f.health.health(kServed);
  CHECK(h.requests_last_5m == 1);
  CHECK(h.failures_last_5m == (counted_failure ? 1 : 0));
}
