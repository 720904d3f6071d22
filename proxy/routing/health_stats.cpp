// Pure helpers behind HealthTracker: buckets, samples, percentiles (proxy/health_detail.h).
#include <algorithm>

#include "proxy/routing/health_detail.h"

namespace switchyard::proxy::health_detail {

size_t latency_bucket(int64_t ms) {
  for (size_t i = 0; i < std::size(db::kLatencyEdgesMs); ++i)
    if (ms <= db::kLatencyEdgesMs[i]) return i;
  return db::kLatencyBuckets - 1;
}

MinuteCounts& minute_bucket(std::deque<MinuteCounts>& minutes, int64_t minute) {
  if (minutes.empty() || minutes.back().minute < minute) {
    minutes.push_back(MinuteCounts{.minute = minute});
    return minutes.back();
  }
  // Usually the last one; search back for an older minute.
  auto it = minutes.end();
  while (it != minutes.begin()) {
    --it;
    if (it->minute == minute) return *it;
    if (it->minute < minute) return *minutes.insert(it + 1, MinuteCounts{.minute = minute});
  }
  return *minutes.insert(minutes.begin(), MinuteCounts{.minute = minute});
}

MinuteCounts& pending_bucket(std::vector<MinuteCounts>& pending, int64_t minute) {
  if (pending.empty() || pending.back().minute != minute) pending.push_back(MinuteCounts{.minute = minute});
  return pending.back();
}

void push_sample(std::deque<Sample>& samples, Sample s, size_t max_samples, int64_t now_ms) {
  samples.push_back(s);
  while (samples.size() > max_samples) samples.pop_front();
  while (!samples.empty() && samples.front().at_ms <= now_ms - kSampleWindowMs) samples.pop_front();
}

namespace {

// 1-based nearest rank of percentile `pct` (integer percent) among n values: ceil(pct*n/100).
int64_t rank_of(int pct, int64_t n) {
  int64_t r = (static_cast<int64_t>(pct) * n + 99) / 100;
  return std::clamp<int64_t>(r, 1, n);
}

// The four published ranks from a rank -> value function `at`, over n samples.
template <class At>
Percentiles fill_percentiles(At&& at, int64_t n) {
  Percentiles p;
  p.p50 = at(50);
  p.p75 = at(75);
  p.p90 = at(90);
  p.p99 = at(99);
  p.empty = false;
  p.samples = n;
  return p;
}

}  // namespace

Percentiles nearest_rank_percentiles(std::vector<double> values) {
  Percentiles p;
  if (values.empty()) return p;
  // health() runs on the routing path: four partial selections, not a full sort. Ranks are
  // asked in ascending order, so each search starts where the previous one left off.
  const int64_t n = static_cast<int64_t>(values.size());
  size_t from = 0;
  auto at = [&](int pct) {
    const size_t k = static_cast<size_t>(rank_of(pct, n) - 1);
    std::nth_element(values.begin() + static_cast<std::ptrdiff_t>(from),
                     values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
    from = k;
    return values[k];
  };
  return fill_percentiles(at, n);
}

Percentiles histogram_percentiles(const std::array<int64_t, db::kLatencyBuckets>& counts) {
  Percentiles p;
  int64_t n = 0;
  for (int64_t c : counts) n += std::max<int64_t>(c, 0);
  if (n == 0) return p;
  auto at = [&](int pct) {
    const int64_t rank = rank_of(pct, n);
    int64_t seen = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
      seen += std::max<int64_t>(counts[i], 0);
      if (seen >= rank) {
        size_t edge = std::min(i, std::size(db::kLatencyEdgesMs) - 1);
        return static_cast<double>(db::kLatencyEdgesMs[edge]);
      }
    }
    return static_cast<double>(db::kLatencyEdgesMs[std::size(db::kLatencyEdgesMs) - 1]);
  };
  return fill_percentiles(at, n);
}

void SampleWindow::push(Sample s, size_t max_samples, int64_t now_ms) {
  push_sample(samples, s, max_samples, now_ms);
  ++pushed;
}

Percentiles SampleWindow::percentiles(int64_t now_ms) const {
  const bool fresh = cached.at_ms >= 0 && now_ms >= cached.at_ms && now_ms - cached.at_ms < 1000 &&
                     (pushed - cached.pushed) * 16 <= static_cast<uint64_t>(cached.value.samples);
  if (fresh) return cached.value;
  std::vector<double> values;
  values.reserve(samples.size());
  for (const Sample& x : samples)
    if (x.at_ms > now_ms - kSampleWindowMs && x.at_ms <= now_ms) values.push_back(x.value);
  cached = Cached{now_ms, pushed, nearest_rank_percentiles(std::move(values))};
  return cached.value;
}

db::HealthBucket to_bucket(const EndpointId& id, const MinuteCounts& m) {
  db::HealthBucket b;
  b.provider = id.provider;
  b.model = id.model;
  b.upstream_model = id.upstream_model;
  b.minute = m.minute;
  b.requests = m.requests;
  b.failures = m.failures;
  b.ttft_ms_sum = m.ttft_ms_sum;
  b.ttft_count = m.ttft_count;
  b.tokens = m.tokens;
  b.gen_ms = m.gen_ms;
  bool any = false;
  for (int64_t c : m.latency_hist) any = any || c != 0;
  if (any) b.latency_hist.assign(m.latency_hist.begin(), m.latency_hist.end());
  return b;
}

MinuteCounts from_bucket(const db::HealthBucket& b) {
  MinuteCounts m;
  m.minute = b.minute;
  m.requests = b.requests;
  m.failures = b.failures;
  m.ttft_ms_sum = b.ttft_ms_sum;
  m.ttft_count = b.ttft_count;
  m.tokens = b.tokens;
  m.gen_ms = b.gen_ms;
  for (size_t i = 0; i < b.latency_hist.size() && i < m.latency_hist.size(); ++i) m.latency_hist[i] = b.latency_hist[i];
  return m;
}

}  // namespace switchyard::proxy::health_detail
