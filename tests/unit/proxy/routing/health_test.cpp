#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "db/store.h"
#include "proxy/routing/health.h"
#include "proxy/routing/health_detail.h"
#include "unit/db/temp_db.h"

using namespace switchyard;
using namespace switchyard::proxy;
using switchyard::db::testing::TempDb;

namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kBase = 28'333'334 * kMinute;  // a minute boundary in Nov 2023

// A clock the test moves by hand.
struct FakeClock {
  std::shared_ptr<std::atomic<int64_t>> t = std::make_shared<std::atomic<int64_t>>(kBase);
  std::function<int64_t()> fn() const {
    auto p = t;
    return [p] { return p->load(); };
  }
  void set(int64_t ms) { t->store(ms); }
  void advance(int64_t ms) { t->fetch_add(ms); }
  int64_t now() const { return t->load(); }
};

HealthOptions memory_options() {
  HealthOptions o;
  o.flush_interval_ms = 0;
  return o;
}

const EndpointId kEp{"meta-llama/llama-3.1-8b-instruct", "deepinfra", "meta-llama/Meta-Llama-3.1-8B-Instruct"};
const EndpointId kOther{"anthropic/claude-3.5-sonnet", "anthropic", "claude-3-5-sonnet-20241022"};

AttemptOutcome ok(int64_t ttft_ms = 100) {
  AttemptOutcome o;
  o.success = true;
  o.status = 200;
  o.ttft_ms = ttft_ms;
  return o;
}

AttemptOutcome fail(int status = 502, ErrorKind kind = ErrorKind::upstream_error) {
  AttemptOutcome o;
  o.success = false;
  o.status = status;
  o.error_kind = kind;
  o.ttft_ms = 50;
  return o;
}

AttemptOutcome bad_request() {
  AttemptOutcome o = fail(400, ErrorKind::invalid_argument);
  o.counts_as_failure = false;
  return o;
}

std::unique_ptr<db::Store> open_store(const std::string& path) {
  auto s = db::open_store(path);
  REQUIRE(s.has_value());
  return std::move(*s);
}

}  // namespace

TEST_CASE("an endpoint with no data is healthy and admitted", "[health]") {
  FakeClock clock;
  HealthTracker h(memory_options(), nullptr, clock.fn());
  EndpointHealth e = h.health(kEp);
  CHECK(e.uptime_last_5m == 1.0);
  CHECK(e.uptime_last_30m == 1.0);
  CHECK(e.uptime_last_1d == 1.0);
  CHECK(e.requests_last_1d == 0);
  CHECK(e.latency_last_30m.empty);
  CHECK(e.throughput_last_30m.empty);
  CHECK(e.circuit == CircuitStatus::closed);
  CHECK(e.cooldown_until_ms == 0);
  CHECK_FALSE(e.significant_recent_failures);
  CHECK(h.admit(kEp));
  CHECK(h.would_admit(kEp));
}

TEST_CASE("uptime over the 5m, 30m and 1d windows", "[health]") {
  FakeClock clock;
  HealthOptions opts = memory_options();
  opts.circuit_failure_threshold = 1000;  // keep the circuit out of it
  HealthTracker h(opts, nullptr, clock.fn());
  const int64_t now = kBase + 30'000;  // half way through the current minute

  clock.set(now - 25 * 60 * kMinute);  // older than a day: in no window
  for (int i = 0; i < 7; ++i) h.record(kEp, fail());
  clock.set(now - 10 * 60 * kMinute);  // 1d only
  for (int i = 0; i < 5; ++i) h.record(kEp, fail());
  clock.set(now - 20 * kMinute);  // 30m and 1d
  for (int i = 0; i < 3; ++i) h.record(kEp, fail());
  h.record(kEp, ok());
  clock.set(now - 5 * kMinute);  // 5 whole minutes ago: just outside the 5m window
  h.record(kEp, fail());
  clock.set(now - 4 * kMinute);  // inside it
  for (int i = 0; i < 4; ++i) h.record(kEp, ok());
  clock.set(now);
  for (int i = 0; i < 5; ++i) h.record(kEp, ok());
  h.record(kEp, fail());

  EndpointHealth e = h.health(kEp);
  CHECK(e.requests_last_5m == 10);
  CHECK(e.failures_last_5m == 1);
  CHECK(e.uptime_last_5m == Approx(0.9));
  CHECK(e.requests_last_30m == 15);
  CHECK(e.failures_last_30m == 5);
  CHECK(e.uptime_last_30m == Approx(10.0 / 15.0));
  CHECK(e.requests_last_1d == 20);
  CHECK(e.failures_last_1d == 10);
  CHECK(e.uptime_last_1d == Approx(0.5));

  SECTION("windows slide with the clock") {
    clock.set(now + 6 * kMinute);
    e = h.health(kEp);
    CHECK(e.requests_last_5m == 0);
    CHECK(e.uptime_last_5m == 1.0);
    CHECK(e.requests_last_30m == 15);
    clock.set(now + 11 * 60 * kMinute);  // the 10h-old failures are now 21h old; the rest 11h
    e = h.health(kEp);
    CHECK(e.requests_last_30m == 0);
    CHECK(e.requests_last_1d == 20);
    clock.set(now + 15 * 60 * kMinute);  // the 10h-old failures are 25h old now
    e = h.health(kEp);
    CHECK(e.requests_last_1d == 15);
    CHECK(e.uptime_last_1d == Approx(10.0 / 15.0));
  }
}

TEST_CASE("latency percentiles are nearest-rank over successful attempts", "[health]") {
  FakeClock clock;
  HealthTracker h(memory_options(), nullptr, clock.fn());
  std::vector<int64_t> ms(100);
  std::iota(ms.begin(), ms.end(), 1);  // 1..100
  std::shuffle(ms.begin(), ms.end(), std::mt19937(42));
  for (int64_t v : ms) h.record(kEp, ok(v));
  for (int i = 0; i < 5; ++i) h.record(kEp, fail());  // failures carry no latency sample

  Percentiles p = h.health(kEp).latency_last_30m;
  REQUIRE_FALSE(p.empty);
  CHECK(p.samples == 100);
  CHECK(p.p50 == 50);
  CHECK(p.p75 == 75);
  CHECK(p.p90 == 90);
  CHECK(p.p99 == 99);

  SECTION("samples older than 30 minutes drop out") {
    clock.advance(29 * kMinute);
    h.record(kEp, ok(1000));
    p = h.health(kEp).latency_last_30m;
    CHECK(p.samples == 101);
    clock.advance(kMinute + 1);
    p = h.health(kEp).latency_last_30m;
    CHECK(p.samples == 1);
    CHECK(p.p50 == 1000);
    clock.advance(30 * kMinute);
    CHECK(h.health(kEp).latency_last_30m.empty);
  }
  SECTION("the reservoir keeps the newest kMaxSamples") {
    for (int i = 0; i < 1500; ++i) h.record(kEp, ok(5000 + i));
    p = h.health(kEp).latency_last_30m;
    CHECK(p.samples == static_cast<int64_t>(HealthTracker::kMaxSamples));
    CHECK(p.p50 == 5000 + 500 + 499);  // values 5500..6499, 500th smallest
    CHECK(p.p99 == 5500 + 989);
  }
}

TEST_CASE("nearest-rank percentiles on small sets", "[health]") {
  using health_detail::nearest_rank_percentiles;
  Percentiles one = nearest_rank_percentiles({7});
  CHECK(one.p50 == 7);
  CHECK(one.p99 == 7);
  Percentiles ten = nearest_rank_percentiles({10, 1, 9, 2, 8, 3, 7, 4, 6, 5});
  CHECK(ten.p50 == 5);
  CHECK(ten.p75 == 8);
  CHECK(ten.p90 == 9);
  CHECK(ten.p99 == 10);
  CHECK(nearest_rank_percentiles({}).empty);
}

TEST_CASE("a sample window reuses its percentiles for up to a second and 1/16 more samples", "[health]") {
  using health_detail::Sample;
  health_detail::SampleWindow w;
  for (int i = 0; i < 160; ++i) w.push(Sample{kBase, 10.0}, HealthTracker::kMaxSamples, kBase);
  CHECK(w.percentiles(kBase).p99 == 10.0);
  for (int i = 0; i < 10; ++i) w.push(Sample{kBase, 1000.0}, HealthTracker::kMaxSamples, kBase);
  CHECK(w.percentiles(kBase + 5).p99 == 10.0);     // 10 of 160 pushed since: reused
  CHECK(w.percentiles(kBase + 5).samples == 160);
  w.push(Sample{kBase, 1000.0}, HealthTracker::kMaxSamples, kBase);
  CHECK(w.percentiles(kBase + 5).p99 == 1000.0);   // 11 > 160/16: computed again
  CHECK(w.percentiles(kBase + 5).samples == 171);
  w.push(Sample{kBase, 1000.0}, HealthTracker::kMaxSamples, kBase);
  CHECK(w.percentiles(kBase + 999).samples == 171);   // reused within the second
  CHECK(w.percentiles(kBase + 1005).samples == 172);  // a second later: computed again
  CHECK(w.percentiles(kBase).samples == 172);         // a clock stepped back: computed again

  health_detail::SampleWindow small;  // few samples: every push shows at once
  small.push(Sample{kBase, 5.0}, HealthTracker::kMaxSamples, kBase);
  CHECK(small.percentiles(kBase).p50 == 5.0);
  small.push(Sample{kBase, 7.0}, HealthTracker::kMaxSamples, kBase);
  CHECK(small.percentiles(kBase).p99 == 7.0);
}

TEST_CASE("throughput percentiles from completed streams", "[health]") {
  FakeClock clock;
  HealthTracker h(memory_options(), nullptr, clock.fn());
  h.record(kEp, ok());
  h.record_completion(kEp, 100, 1000);  // 100 tok/s
  h.record(kEp, ok());
  h.record_completion(kEp, 50, 250);  // 200 tok/s
  h.record(kEp, ok());
  h.record_completion(kEp, 0, 500);  // no tokens: not a throughput sample
  AttemptOutcome with_tokens = ok();
  with_tokens.completion_tokens = 30;
  with_tokens.generation_ms = 1000;  // 30 tok/s, given on the outcome itself
  h.record(kEp, with_tokens);

  Percentiles p = h.health(kEp).throughput_last_30m;
  REQUIRE_FALSE(p.empty);
  CHECK(p.samples == 3);
  CHECK(p.p50 == Approx(100));
  CHECK(p.p99 == Approx(200));
  CHECK(h.health(kOther).throughput_last_30m.empty);
}

TEST_CASE("significant_recent_failures: >= 2 failures and >= 25% in the last 30 s", "[health]") {
  FakeClock clock;
  HealthOptions opts = memory_options();
  opts.circuit_failure_threshold = 100;
  HealthTracker h(opts, nullptr, clock.fn());

  h.record(kEp, fail());
  EndpointHealth e = h.health(kEp);
  CHECK(e.recent_failures_30s == 1);
  CHECK_FALSE(e.significant_recent_failures);  // one failure is noise

  for (int i = 0; i < 7; ++i) h.record(kEp, ok());
  clock.advance(10'000);
  h.record(kEp, fail());  // 2 of 9 = 22%
  e = h.health(kEp);
  CHECK(e.recent_requests_30s == 9);
  CHECK(e.recent_failures_30s == 2);
  CHECK_FALSE(e.significant_recent_failures);

  SECTION("at 25% it is significant") {
    h.record(kEp, fail());  // 3 of 10
    CHECK(h.health(kEp).significant_recent_failures);
  }
  SECTION("the first failure leaves the 30 s window") {
    clock.advance(20'000);  // the first batch is exactly 30 s old now
    e = h.health(kEp);
    CHECK(e.recent_requests_30s == 1);
    CHECK(e.recent_failures_30s == 1);
    CHECK_FALSE(e.significant_recent_failures);
    h.record(kEp, fail());
    CHECK(h.health(kEp).significant_recent_failures);  // 2 of 2
    clock.advance(31'000);
    e = h.health(kEp);
    CHECK(e.recent_requests_30s == 0);
    CHECK_FALSE(e.significant_recent_failures);
  }
}

TEST_CASE("circuit breaker: open, cooldown, one probe, close or re-open", "[health]") {
  FakeClock clock;
  HealthOptions opts = memory_options();
  opts.circuit_failure_threshold = 3;
  opts.circuit_cooldown_ms = 30'000;
  HealthTracker h(opts, nullptr, clock.fn());

  h.record(kEp, fail());
  h.record(kEp, fail());
  CHECK(h.health(kEp).circuit == CircuitStatus::closed);
  CHECK(h.health(kEp).consecutive_failures == 2);
  CHECK(h.admit(kEp));
  h.record(kEp, fail());
  const int64_t opened = clock.now();
  EndpointHealth e = h.health(kEp);
  CHECK(e.circuit == CircuitStatus::open);
  CHECK(e.cooldown_until_ms == opened + 30'000);
  CHECK_FALSE(h.admit(kEp));
  CHECK(h.admit(kOther));  // other endpoints are unaffected

  clock.advance(29'999);
  CHECK_FALSE(h.admit(kEp));
  clock.advance(1);
  CHECK(h.health(kEp).circuit == CircuitStatus::half_open);
  CHECK(h.health(kEp).cooldown_until_ms == 0);
  CHECK(h.would_admit(kEp));
  CHECK(h.admit(kEp));   // the probe
  CHECK_FALSE(h.admit(kEp));  // everyone else waits for its outcome
  CHECK_FALSE(h.would_admit(kEp));

  SECTION("probe success closes the circuit") {
    h.record(kEp, ok());
    e = h.health(kEp);
    CHECK(e.circuit == CircuitStatus::closed);
    CHECK(e.consecutive_failures == 0);
    CHECK(h.admit(kEp));
    CHECK(h.admit(kEp));
    h.record(kEp, fail());  // counting starts again from zero
    CHECK(h.admit(kEp));
  }
  SECTION("probe failure re-opens it for another cooldown") {
    clock.advance(500);
    h.record(kEp, fail());
    e = h.health(kEp);
    CHECK(e.circuit == CircuitStatus::open);
    CHECK(e.cooldown_until_ms == clock.now() + 30'000);
    CHECK_FALSE(h.admit(kEp));
    clock.advance(30'000);
    CHECK(h.admit(kEp));
    CHECK_FALSE(h.admit(kEp));
  }
  SECTION("a probe whose outcome never comes is given up after probe_timeout_ms") {
    clock.advance(opts.probe_timeout_ms - 1);
    CHECK_FALSE(h.admit(kEp));
    clock.advance(1);
    CHECK(h.admit(kEp));
    CHECK_FALSE(h.admit(kEp));
  }
  SECTION("a neutral outcome (400) ends the probe but leaves the circuit half-open") {
    h.record(kEp, bad_request());
    CHECK(h.health(kEp).circuit == CircuitStatus::half_open);
    CHECK(h.admit(kEp));
    CHECK_FALSE(h.admit(kEp));
  }
}

TEST_CASE("circuit: successes reset the count, late failures do not extend the cooldown", "[health]") {
  FakeClock clock;
  HealthOptions opts = memory_options();
  HealthTracker h(opts, nullptr, clock.fn());
  h.record(kEp, fail());
  h.record(kEp, fail());
  h.record(kEp, ok());
  h.record(kEp, fail());
  h.record(kEp, fail());
  CHECK(h.health(kEp).circuit == CircuitStatus::closed);
  h.record(kEp, fail());
  const int64_t until = clock.now() + opts.circuit_cooldown_ms;
  CHECK(h.health(kEp).cooldown_until_ms == until);
  clock.advance(10'000);
  h.record(kEp, fail());  // a request admitted before the circuit opened
  CHECK(h.health(kEp).cooldown_until_ms == until);
  CHECK(h.health(kEp).consecutive_failures == 4);
}

TEST_CASE("the circuit is shared by every public model on one provider's upstream model", "[health]") {
  FakeClock clock;
  HealthTracker h(memory_options(), nullptr, clock.fn());
  EndpointId alias = kEp;
  alias.model = "llama-8b-alias";
  for (int i = 0; i < 3; ++i) h.record(kEp, fail());
  CHECK_FALSE(h.admit(alias));
  CHECK(h.health(alias).circuit == CircuitStatus::open);
  CHECK(h.health(alias).requests_last_5m == 0);  // stats stay per public model
}

TEST_CASE("Retry-After blocks admit for that long, then admits", "[health]") {
  FakeClock clock;
  HealthTracker h(memory_options(), nullptr, clock.fn());
  AttemptOutcome limited = fail(429, ErrorKind::rate_limited);
  limited.retry_after_seconds = 5;
  h.record(kEp, limited);
  EndpointHealth e = h.health(kEp);
  CHECK(e.circuit == CircuitStatus::closed);
  CHECK(e.cooldown_until_ms == clock.now() + 5000);
  CHECK_FALSE(h.admit(kEp));
  clock.advance(4999);
  CHECK_FALSE(h.admit(kEp));
  clock.advance(1);
  CHECK(h.admit(kEp));
  CHECK(h.health(kEp).cooldown_until_ms == 0);

  SECTION("cooldown_until_ms is the later of the circuit and Retry-After") {
    h.record(kEp, fail());
    h.record(kEp, fail());  // with the 429: 3 in a row, the circuit opens for 30 s
    limited.retry_after_seconds = 60;
    h.record(kEp, limited);  // while open: does not extend the circuit, but Retry-After counts
    e = h.health(kEp);
    CHECK(e.circuit == CircuitStatus::open);
    CHECK(e.cooldown_until_ms == clock.now() + 60'000);
    clock.advance(30'000);
    CHECK(h.health(kEp).circuit == CircuitStatus::half_open);
    CHECK_FALSE(h.admit(kEp));  // still inside Retry-After
    clock.advance(30'000);
    CHECK(h.admit(kEp));
  }
}

TEST_CASE("errors caused by the request do not touch uptime or the circuit", "[health]") {
  FakeClock clock;
  HealthTracker h(memory_options(), nullptr, clock.fn());
  h.record(kEp, ok());
  for (int i = 0; i < 10; ++i) h.record(kEp, bad_request());
  EndpointHealth e = h.health(kEp);
  CHECK(e.requests_last_5m == 1);
  CHECK(e.uptime_last_5m == 1.0);
  CHECK(e.recent_requests_30s == 1);
  CHECK(e.circuit == CircuitStatus::closed);
  CHECK(e.consecutive_failures == 0);
  CHECK(h.admit(kEp));
  // Nor do they break a run of real failures.
  h.record(kEp, fail());
  h.record(kEp, bad_request());
  h.record(kEp, fail());
  h.record(kEp, bad_request());
  h.record(kEp, fail());
  CHECK(h.health(kEp).circuit == CircuitStatus::open);
}

TEST_CASE("a second tracker on the same database sees circuits and uptime history", "[health]") {
  TempDb tmp;
  FakeClock clock;
  clock.set(kBase + 10'000);
  HealthOptions opts = memory_options();
  opts.circuit_cooldown_ms = 5 * kMinute;
  {
    HealthTracker h(opts, open_store(tmp.path()), clock.fn());
    for (int i = 0; i < 3; ++i) h.record(kEp, fail());  // opens kEp's circuit
    for (int v : {80, 200, 400, 900, 3000}) h.record(kOther, ok(v));
    h.record(kOther, fail());
    h.record_completion(kOther, 100, 1000);
    REQUIRE(h.flush());
    REQUIRE(h.flush());  // nothing new: must not add the same counts twice
    clock.advance(kMinute);
    for (int i = 0; i < 4; ++i) h.record(kOther, ok(120));  // flushed by the destructor
  }
  {
    auto store = open_store(tmp.path());
    auto rows = store->health_since(0);
    REQUIRE(rows.has_value());
    int64_t requests = 0, failures = 0, tokens = 0;
    for (const auto& b : *rows) {
      requests += b.requests;
      failures += b.failures;
      tokens += b.tokens;
    }
    CHECK(requests == 13);
    CHECK(failures == 4);
    CHECK(tokens == 100);
    auto c = store->get_circuit(kEp.provider, kEp.upstream_model);
    REQUIRE(c.has_value());
    REQUIRE(c->has_value());
    CHECK((*c)->consecutive_failures == 3);
    CHECK((*c)->open_until_ms == kBase + 10'000 + opts.circuit_cooldown_ms);
  }

  clock.advance(10'000);  // 80 s after the circuit opened
  HealthTracker h2(opts, open_store(tmp.path()), clock.fn());
  EndpointHealth a = h2.health(kEp);
  CHECK(a.circuit == CircuitStatus::open);
  CHECK(a.consecutive_failures == 3);
  CHECK(a.requests_last_1d == 3);
  CHECK(a.uptime_last_1d == 0.0);
  CHECK_FALSE(h2.admit(kEp));
  CHECK(h2.endpoints() == std::vector<EndpointId>{kOther, kEp});  // sorted by public model id
  EndpointHealth b = h2.health(kOther);
  CHECK(b.requests_last_5m == 10);
  CHECK(b.uptime_last_5m == Approx(0.9));
  CHECK(b.uptime_last_1d == Approx(0.9));
  // No fresh samples: latency comes from the stored histograms (bucket upper edges).
  // ttfts 80,200,400,900,3000,120x4 -> buckets 100,250,500,1000,5000,250x4
  REQUIRE_FALSE(b.latency_last_30m.empty);
  CHECK(b.latency_last_30m.samples == 9);
  CHECK(b.latency_last_30m.p50 == 250);
  CHECK(b.latency_last_30m.p75 == 500);
  CHECK(b.latency_last_30m.p90 == 5000);
  CHECK(b.latency_last_30m.p99 == 5000);
  // The 30 s window and throughput samples are memory only.
  CHECK(b.recent_requests_30s == 0);
  CHECK(b.throughput_last_30m.empty);

  SECTION("after the cooldown the restarted tracker admits one probe") {
    clock.advance(opts.circuit_cooldown_ms);
    CHECK(h2.health(kEp).circuit == CircuitStatus::half_open);
    CHECK(h2.admit(kEp));
    CHECK_FALSE(h2.admit(kEp));
    h2.record(kEp, ok());
    REQUIRE(h2.flush());
    auto store = open_store(tmp.path());
    auto c = store->get_circuit(kEp.provider, kEp.upstream_model);
    REQUIRE(c.has_value());
    REQUIRE(c->has_value());
    CHECK((*c)->consecutive_failures == 0);
    CHECK((*c)->open_until_ms == 0);
  }
  SECTION("history older than a day is not loaded; older than retention is pruned") {
    clock.advance(25 * 60 * kMinute);
    HealthTracker h3(opts, open_store(tmp.path()), clock.fn());
    CHECK(h3.health(kOther).requests_last_1d == 0);
    HealthOptions short_retention = opts;
    short_retention.retention_days = 1;
    { HealthTracker h4(short_retention, open_store(tmp.path()), clock.fn()); }
    auto store = open_store(tmp.path());
    auto rows = store->health_since(0);
    REQUIRE(rows.has_value());
    CHECK(rows->empty());
  }
}

TEST_CASE("concurrent recording keeps exact totals, in memory and in the store", "[health]") {
  TempDb tmp;
  FakeClock clock;
  HealthOptions opts;
  opts.flush_interval_ms = 1;  // the flush thread runs all the time beside the writers
  opts.circuit_failure_threshold = 1'000'000;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 2000;
  {
    HealthTracker h(opts, open_store(tmp.path()), clock.fn());
    std::vector<std::thread> threads;
    std::atomic<bool> go{false};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        while (!go.load()) std::this_thread::yield();
        const EndpointId& id = t % 2 ? kEp : kOther;
        for (int i = 0; i < kPerThread; ++i) {
          h.record(id, i % 4 == 0 ? fail() : ok(i % 500));
          if (i % 100 == 0) {
            (void)h.health(id);
            (void)h.admit(id);
          }
        }
      });
    }
    go = true;
    for (auto& th : threads) th.join();
    for (const EndpointId& id : {kEp, kOther}) {
      EndpointHealth e = h.health(id);
      CHECK(e.requests_last_5m == kThreads / 2 * kPerThread);
      CHECK(e.failures_last_5m == kThreads / 2 * kPerThread / 4);
      CHECK(e.recent_requests_30s == kThreads / 2 * kPerThread);
      CHECK(e.latency_last_30m.samples == static_cast<int64_t>(HealthTracker::kMaxSamples));
    }
  }
  auto store = open_store(tmp.path());
  auto rows = store->health_since(0);
  REQUIRE(rows.has_value());
  int64_t requests = 0, failures = 0;
  for (const auto& b : *rows) {
    requests += b.requests;
    failures += b.failures;
  }
  CHECK(requests == kThreads * kPerThread);
  CHECK(failures == kThreads * kPerThread / 4);
}
