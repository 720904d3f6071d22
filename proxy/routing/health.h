// Per-endpoint health: rolling uptime, latency and throughput windows plus a circuit breaker
// (DESIGN.md §1, "health: outcome, latency, throughput per endpoint").
//
// Hot path: record()/admit()/health() touch memory only, under one small mutex per endpoint
// (and one per circuit); a background thread flushes minute deltas and circuit changes to
// SQLite every flush_interval_ms. State survives a restart: the constructor loads the last day
// of minute buckets and every circuit row from the store.
//
// Rules (kept here so the router and the docs agree):
//  * Windows are minute-aligned: "last 5m" is the current (partial) minute plus the 4 before it;
//    30m and 1d likewise. The 30 s window is second-aligned (current second + 29 before it).
//  * uptime = successes / (successes + failures) over the window; 1 when the window is empty.
//    Outcomes with counts_as_failure = false and success = false (400/413/422: the request's
//    fault) are not counted at all and do not touch the circuit.
//  * significant_recent_failures: >= 2 failures AND failure rate >= 25% in the last 30 s.
//  * Percentiles are exact nearest-rank percentiles (the ceil(p*n)-th smallest value) over a
//    bounded reservoir of the most recent samples (at most kMaxSamples, only those within the
//    last 30 minutes). Right after a restart, when no new latency sample exists yet, latency
//    percentiles are estimated from the persisted per-minute histograms (bucket upper edges,
//    db::kLatencyEdgesMs); throughput has no persisted samples and stays empty until new ones.
//  * Circuit (per provider + upstream model, the key db::CircuitState has): it opens after
//    circuit_failure_threshold consecutive failures, for circuit_cooldown_ms. After that it is
//    half-open: admit() lets exactly one caller through (the probe) until an outcome is
//    recorded: success closes it, failure re-opens it for another cooldown. A probe whose
//    outcome never comes (the caller admitted but never tried) is given up after
//    probe_timeout_ms and another probe is admitted. Failures recorded while it is already
//    open (requests that started earlier) do not extend the cooldown; a success closes it.
//  * Retry-After (429): admit() is false until now + retry_after_seconds (memory only).
#pragma once

#include <compare>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "db/store.h"
#include "providers/error.h"

namespace switchyard::proxy {

// One endpoint as the catalog, the health tracker, the pricing book and the store all name it.
using EndpointId = db::EndpointKey;

struct AttemptOutcome {
  bool success = false;  // the attempt yielded a first event that was not an error
  int status = 0;        // HTTP status of the attempt (200 on success)
  ErrorKind error_kind = ErrorKind::internal;  // when !success
  // false for errors caused by the request itself (400/413/422): they say nothing about the
  // endpoint's health. Ignored when success is true.
  bool counts_as_failure = true;
  int64_t ttft_ms = -1;           // time to first event (success) or to failure
  int64_t completion_tokens = 0;  // for throughput (success, after the stream ended)
  int64_t generation_ms = 0;      // time from first event to end (throughput = tokens / generation_ms)
  int retry_after_seconds = 0;    // 429 Retry-After: the endpoint is skipped that long
};

struct Percentiles {
  double p50 = 0, p75 = 0, p90 = 0, p99 = 0;
  bool empty = true;
  int64_t samples = 0;  // how many values they were taken over
};

enum class CircuitStatus { closed, open, half_open };
const char* circuit_status_name(CircuitStatus s);  // "closed", "open", "half_open"

struct EndpointHealth {
  // successes / (successes + failures); 1 when the window holds no requests (see requests_*).
  double uptime_last_5m = 1, uptime_last_30m = 1, uptime_last_1d = 1;
  int64_t requests_last_5m = 0, requests_last_30m = 0, requests_last_1d = 0;
  int64_t failures_last_5m = 0, failures_last_30m = 0, failures_last_1d = 0;
  int64_t recent_failures_30s = 0, recent_requests_30s = 0;
  bool significant_recent_failures = false;  // >= 2 failures and >= 25% of requests in 30 s
  Percentiles latency_last_30m;     // ttft ms of successful attempts
  Percentiles throughput_last_30m;  // tokens/s of successful streams with tokens > 0
  CircuitStatus circuit = CircuitStatus::closed;
  int64_t consecutive_failures = 0;
  int64_t cooldown_until_ms = 0;  // circuit open or Retry-After, whichever is later; 0 when neither
};

struct HealthOptions {
  int circuit_failure_threshold = 3;    // consecutive failures that open the circuit
  int64_t circuit_cooldown_ms = 30000;  // how long it stays open before one probe
  int64_t flush_interval_ms = 10000;    // in-memory minute buckets -> SQLite; <= 0: no flush thread
  int64_t retention_days = 30;
  int64_t probe_timeout_ms = 60000;     // a half-open probe with no recorded outcome is given up
  // Several instances share the store: after each flush the minute buckets become the stored
  // ones (every instance's counts) plus this instance's unflushed deltas, and a circuit another
  // instance opened for longer is adopted. So uptime and circuits are the merge of all
  // instances, at most one flush interval old (the 30 s window stays this instance's own).
  bool merge_shared = false;
};

class HealthTracker {
 public:
  static constexpr size_t kMaxSamples = 1000;  // per endpoint and per metric

  // store: an own connection (null: memory only). Loads circuit states and the last day of
  // minute buckets, and prunes buckets older than retention_days. Store errors are logged to
  // stderr, never thrown: health is advisory.
  HealthTracker(HealthOptions options, std::unique_ptr<db::HealthStore> store,
                std::function<int64_t()> now_ms = {});
  ~HealthTracker();  // stops the flush thread, then flushes once more
  HealthTracker(const HealthTracker&) = delete;
  HealthTracker& operator=(const HealthTracker&) = delete;

  void record(const EndpointId& id, const AttemptOutcome& outcome);
  // Throughput for a successful attempt once its stream has ended (tokens > 0, ms > 0).
  void record_completion(const EndpointId& id, int64_t completion_tokens, int64_t generation_ms);
  EndpointHealth health(const EndpointId& id) const;
  // Whether to try this endpoint now; consumes the single probe slot when half-open. Call it
  // right before the attempt, not while planning (use would_admit() for that).
  bool admit(const EndpointId& id);
  // admit() without taking the probe slot: what admit() would answer now.
  bool would_admit(const EndpointId& id) const;
  // Every endpoint with recorded or loaded stats (for admin/endpoint listings), sorted.
  std::vector<EndpointId> endpoints() const;
  // Writes pending minute deltas and changed circuit states to the store now (and prunes once
  // a day). Returns false when a store call failed (the data is kept for the next flush).
  bool flush();

  const HealthOptions& options() const { return options_; }

 private:
  struct EndpointStats;
  struct Circuit;
  using CircuitKey = std::pair<std::string, std::string>;  // provider, upstream_model

  EndpointStats& stats_for(const EndpointId& id);
  EndpointStats* find_stats(const EndpointId& id) const;
  Circuit& circuit_for(const EndpointId& id);
  Circuit* find_circuit(const EndpointId& id) const;
  void record_circuit(const EndpointId& id, const AttemptOutcome& outcome, int64_t now);
  bool admit_impl(const EndpointId& id, bool take_probe) const;
  void load();
  void merge_from_store();
  void flush_loop();
  int64_t now() const { return now_ms_(); }

  HealthOptions options_;
  std::unique_ptr<db::HealthStore> store_;
  std::function<int64_t()> now_ms_;

  mutable std::shared_mutex stats_mu_;  // guards the map; each entry has its own mutex
  std::map<EndpointId, std::unique_ptr<EndpointStats>> stats_;
  mutable std::shared_mutex circuits_mu_;
  std::map<CircuitKey, std::unique_ptr<Circuit>> circuits_;

  std::mutex flush_mu_;  // one flush at a time
  int64_t last_prune_ms_ = 0;

  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  bool stopping_ = false;
  std::thread flush_thread_;
};

}  // namespace switchyard::proxy
