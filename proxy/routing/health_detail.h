// Internals of HealthTracker (proxy/health.h): the per-endpoint windows, the circuit entry and
// the pure helpers over them. Only proxy/health*.cpp and the health tests include this.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "db/records.h"
#include "proxy/routing/health.h"

namespace switchyard::proxy::health_detail {

inline constexpr int64_t kMinuteMs = 60'000;
inline constexpr int64_t kDayMinutes = 24 * 60;
inline constexpr int64_t kRecentSeconds = 30;
inline constexpr int64_t kSampleWindowMs = 30 * kMinuteMs;

// One endpoint's counts for one minute (memory twin of db::HealthBucket).
struct MinuteCounts {
  int64_t minute = 0;  // unix ms / 60000
  int64_t requests = 0;
  int64_t failures = 0;
  int64_t ttft_ms_sum = 0;
  int64_t ttft_count = 0;
  int64_t tokens = 0;
  int64_t gen_ms = 0;
  std::array<int64_t, db::kLatencyBuckets> latency_hist{};
};

struct SecondCounts {
  int64_t second = -1;  // unix ms / 1000; -1 = unused slot
  int64_t requests = 0;
  int64_t failures = 0;
};

struct Sample {
  int64_t at_ms = 0;
  double value = 0;
};

// The index of the latency histogram bucket holding ms (last = overflow).
size_t latency_bucket(int64_t ms);

// The counts for `minute` in an ascending deque, inserted in order when missing (a clock that
// steps back lands in an older bucket instead of corrupting the order).
MinuteCounts& minute_bucket(std::deque<MinuteCounts>& minutes, int64_t minute);
// The last pending delta if it is for `minute`, else a new one (duplicates are fine: the store
// adds counts on upsert).
MinuteCounts& pending_bucket(std::vector<MinuteCounts>& pending, int64_t minute);

// Appends a sample, keeping at most max_samples and none at or before now - kSampleWindowMs.
void push_sample(std::deque<Sample>& samples, Sample s, size_t max_samples, int64_t now_ms);

// One metric's recent samples and their percentiles as health() last computed them: the
// routing path asks for them on every request, and selecting ranks among 1,000 samples per
// endpoint and metric was a measurable share of a proxied request (issue 16).
struct SampleWindow {
  std::deque<Sample> samples;  // newest last
  uint64_t pushed = 0;         // samples ever pushed
  struct Cached {
    int64_t at_ms = -1;    // when computed; -1: never
    uint64_t pushed = 0;   // SampleWindow::pushed then
    Percentiles value;     // of the samples within the window then
  };
  mutable Cached cached;

  void push(Sample s, size_t max_samples, int64_t now_ms);
  // Nearest-rank percentiles of the samples within kSampleWindowMs of now_ms; the cached
  // ones while they were computed less than a second ago and fewer than 1/16 of their
  // sample count has been pushed since (so a small window is always exact).
  Percentiles percentiles(int64_t now_ms) const;
};

// Exact nearest-rank percentiles (the ceil(p*n)-th smallest) of values; empty when none.
Percentiles nearest_rank_percentiles(std::vector<double> values);
// Percentiles estimated from histogram counts: each rank reports its bucket's upper edge
// (the overflow bucket reports the last edge).
Percentiles histogram_percentiles(const std::array<int64_t, db::kLatencyBuckets>& counts);

db::HealthBucket to_bucket(const EndpointId& id, const MinuteCounts& m);
MinuteCounts from_bucket(const db::HealthBucket& b);

}  // namespace switchyard::proxy::health_detail

namespace switchyard::proxy {

struct HealthTracker::EndpointStats {
  mutable std::mutex mu;
  std::deque<health_detail::MinuteCounts> minutes;  // ascending minute; about the last day
  std::array<health_detail::SecondCounts, health_detail::kRecentSeconds> seconds{};
  health_detail::SampleWindow latency;     // ttft ms of successes
  health_detail::SampleWindow throughput;  // tokens/s
  std::vector<health_detail::MinuteCounts> pending;  // deltas not yet in the store
};

struct HealthTracker::Circuit {
  mutable std::mutex mu;
  int64_t consecutive_failures = 0;
  int64_t open_until_ms = 0;  // > 0: tripped (open while now < it, half-open after); 0: closed
  int64_t retry_until_ms = 0;  // Retry-After; memory only
  bool probe_in_flight = false;
  int64_t probe_started_ms = 0;
  bool dirty = false;  // changed since the last flush
};

}  // namespace switchyard::proxy
