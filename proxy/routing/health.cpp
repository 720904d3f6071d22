// HealthTracker: rolling windows in memory, circuit breaker, background flush to SQLite.
#include "proxy/routing/health.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "proxy/routing/health_detail.h"

namespace switchyard::proxy {

using namespace health_detail;

namespace {

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void add_counts(MinuteCounts& into, const MinuteCounts& d) {
  into.requests += d.requests;
  into.failures += d.failures;
  into.ttft_ms_sum += d.ttft_ms_sum;
  into.ttft_count += d.ttft_count;
  into.tokens += d.tokens;
  into.gen_ms += d.gen_ms;
  for (size_t i = 0; i < into.latency_hist.size(); ++i) into.latency_hist[i] += d.latency_hist[i];
}

void log_store_error(const char* what, const db::Error& e) {
  std::fprintf(stderr, "health: %s failed: %s\n", what, e.message.c_str());
}

// Applies one delta to the window and to the pending flush at once, so they cannot disagree.
template <class F>
void apply_delta(std::deque<MinuteCounts>& minutes, std::vector<MinuteCounts>& pending, int64_t minute, F&& f) {
  f(minute_bucket(minutes, minute));
  f(pending_bucket(pending, minute));
}

double uptime(int64_t requests, int64_t failures) {
  return requests > 0 ? static_cast<double>(requests - failures) / static_cast<double>(requests) : 1.0;
}

}  // namespace

const char* circuit_status_name(CircuitStatus s) {
  switch (s) {
    case CircuitStatus::closed: return "closed";
    case CircuitStatus::open: return "open";
    case CircuitStatus::half_open: return "half_open";
  }
  return "closed";
}

HealthTracker::HealthTracker(HealthOptions options, std::unique_ptr<db::HealthStore> store,
                             std::function<int64_t()> now_ms)
    : options_(options), store_(std::move(store)), now_ms_(now_ms ? std::move(now_ms) : system_now_ms) {
  options_.circuit_failure_threshold = std::max(1, options_.circuit_failure_threshold);
  load();
  if (store_ && options_.flush_interval_ms > 0) flush_thread_ = std::thread([this] { flush_loop(); });
}

HealthTracker::~HealthTracker() {
  {
    std::lock_guard lock(thread_mu_);
    stopping_ = true;
  }
  thread_cv_.notify_all();
  if (flush_thread_.joinable()) flush_thread_.join();
  flush();
}

// ---------------------------------------------------------------- lookup

HealthTracker::EndpointStats& HealthTracker::stats_for(const EndpointId& id) {
  {
    std::shared_lock lock(stats_mu_);
    auto it = stats_.find(id);
    if (it != stats_.end()) return *it->second;
  }
  std::unique_lock lock(stats_mu_);
  auto& slot = stats_[id];
  if (!slot) slot = std::make_unique<EndpointStats>();
  return *slot;
}

HealthTracker::EndpointStats* HealthTracker::find_stats(const EndpointId& id) const {
  std::shared_lock lock(stats_mu_);
  auto it = stats_.find(id);
  return it == stats_.end() ? nullptr : it->second.get();
}

HealthTracker::Circuit& HealthTracker::circuit_for(const EndpointId& id) {
  CircuitKey key{id.provider, id.upstream_model};
  {
    std::shared_lock lock(circuits_mu_);
    auto it = circuits_.find(key);
    if (it != circuits_.end()) return *it->second;
  }
  std::unique_lock lock(circuits_mu_);
  auto& slot = circuits_[key];
  if (!slot) slot = std::make_unique<Circuit>();
  return *slot;
}

HealthTracker::Circuit* HealthTracker::find_circuit(const EndpointId& id) const {
  std::shared_lock lock(circuits_mu_);
  auto it = circuits_.find(CircuitKey{id.provider, id.upstream_model});
  return it == circuits_.end() ? nullptr : it->second.get();
}

// ---------------------------------------------------------------- recording

void HealthTracker::record(const EndpointId& id, const AttemptOutcome& o) {
  const int64_t t = now();
  const bool neutral = !o.success && !o.counts_as_failure;
  if (!neutral) {
    EndpointStats& s = stats_for(id);
    const int64_t minute = t / kMinuteMs;
    const int64_t second = t / 1000;
    const bool timed = o.success && o.ttft_ms >= 0;
    const bool has_tokens = o.success && o.completion_tokens > 0 && o.generation_ms > 0;
    std::lock_guard lock(s.mu);
    apply_delta(s.minutes, s.pending, minute, [&](MinuteCounts& m) {
      m.requests += 1;
      if (!o.success) m.failures += 1;
      if (timed) {
        m.ttft_ms_sum += o.ttft_ms;
        m.ttft_count += 1;
        m.latency_hist[latency_bucket(o.ttft_ms)] += 1;
      }
      if (has_tokens) {
        m.tokens += o.completion_tokens;
        m.gen_ms += o.generation_ms;
      }
    });
    while (!s.minutes.empty() && s.minutes.front().minute <= minute - kDayMinutes) s.minutes.pop_front();
    SecondCounts& sec = s.seconds[static_cast<size_t>(second % kRecentSeconds)];
    if (sec.second != second) sec = SecondCounts{.second = second};
    sec.requests += 1;
    if (!o.success) sec.failures += 1;
    if (timed) s.latency.push(Sample{t, static_cast<double>(o.ttft_ms)}, kMaxSamples, t);
    if (has_tokens)
      s.throughput.push(Sample{t, o.completion_tokens * 1000.0 / o.generation_ms}, kMaxSamples, t);
  }
  record_circuit(id, o, t);
}

void HealthTracker::record_circuit(const EndpointId& id, const AttemptOutcome& o, int64_t t) {
  Circuit& c = circuit_for(id);
  std::lock_guard lock(c.mu);
  if (o.retry_after_seconds > 0)
    c.retry_until_ms = std::max(c.retry_until_ms, t + int64_t{o.retry_after_seconds} * 1000);
  // Any outcome ends a probe: a neutral one (the request's own fault) proves nothing, so the
  // circuit stays half-open and the next admit() may probe again.
  c.probe_in_flight = false;
  if (!o.success && !o.counts_as_failure) return;
  if (o.success) {
    if (c.consecutive_failures != 0 || c.open_until_ms != 0) c.dirty = true;
    c.consecutive_failures = 0;
    c.open_until_ms = 0;
    return;
  }
  c.consecutive_failures += 1;
  c.dirty = true;
  const bool open_now = c.open_until_ms > 0 && t < c.open_until_ms;
  // Closed and at the threshold: trip. Half-open (tripped, cooldown over): re-open. Already
  // open: late failures of requests that started earlier do not extend the cooldown.
  if (!open_now && (c.open_until_ms > 0 || c.consecutive_failures >= options_.circuit_failure_threshold))
    c.open_until_ms = t + options_.circuit_cooldown_ms;
}

void HealthTracker::record_completion(const EndpointId& id, int64_t completion_tokens, int64_t generation_ms) {
  if (completion_tokens <= 0 || generation_ms <= 0) return;
  const int64_t t = now();
  EndpointStats& s = stats_for(id);
  std::lock_guard lock(s.mu);
  apply_delta(s.minutes, s.pending, t / kMinuteMs, [&](MinuteCounts& m) {
    m.tokens += completion_tokens;
    m.gen_ms += generation_ms;
  });
  s.throughput.push(Sample{t, completion_tokens * 1000.0 / generation_ms}, kMaxSamples, t);
}

// ---------------------------------------------------------------- reading

EndpointHealth HealthTracker::health(const EndpointId& id) const {
  EndpointHealth h;
  const int64_t t = now();
  if (const EndpointStats* s = find_stats(id)) {
    const int64_t minute = t / kMinuteMs;
    const int64_t second = t / 1000;
    Percentiles latency, throughput;
    std::array<int64_t, db::kLatencyBuckets> hist_30m{};
    {
      std::lock_guard lock(s->mu);
      for (auto it = s->minutes.rbegin(); it != s->minutes.rend(); ++it) {
        const int64_t age = minute - it->minute;  // 0 = the current minute
        if (age >= kDayMinutes) break;
        if (age < 0) continue;  // from a clock that has since stepped back
        h.requests_last_1d += it->requests;
        h.failures_last_1d += it->failures;
        if (age < 30) {
          h.requests_last_30m += it->requests;
          h.failures_last_30m += it->failures;
          for (size_t i = 0; i < hist_30m.size(); ++i) hist_30m[i] += it->latency_hist[i];
        }
        if (age < 5) {
          h.requests_last_5m += it->requests;
          h.failures_last_5m += it->failures;
        }
      }
      for (const SecondCounts& sec : s->seconds) {
        if (sec.second < 0 || sec.second > second || sec.second <= second - kRecentSeconds) continue;
        h.recent_requests_30s += sec.requests;
        h.recent_failures_30s += sec.failures;
      }
      latency = s->latency.percentiles(t);
      throughput = s->throughput.percentiles(t);
    }
    h.uptime_last_5m = uptime(h.requests_last_5m, h.failures_last_5m);
    h.uptime_last_30m = uptime(h.requests_last_30m, h.failures_last_30m);
    h.uptime_last_1d = uptime(h.requests_last_1d, h.failures_last_1d);
    h.significant_recent_failures =
        h.recent_failures_30s >= 2 && h.recent_failures_30s * 4 >= h.recent_requests_30s;
    // No fresh samples (e.g. just restarted): estimate from the persisted histograms.
    h.latency_last_30m = latency.empty ? histogram_percentiles(hist_30m) : latency;
    h.throughput_last_30m = throughput;
  }
  if (const Circuit* c = find_circuit(id)) {
    std::lock_guard lock(c->mu);
    h.consecutive_failures = c->consecutive_failures;
    if (c->open_until_ms > 0) h.circuit = t < c->open_until_ms ? CircuitStatus::open : CircuitStatus::half_open;
    int64_t until = 0;
    if (c->open_until_ms > t) until = c->open_until_ms;
    if (c->retry_until_ms > t) until = std::max(until, c->retry_until_ms);
    h.cooldown_until_ms = until;
  }
  return h;
}

std::vector<EndpointId> HealthTracker::endpoints() const {
  std::shared_lock lock(stats_mu_);
  std::vector<EndpointId> out;
  out.reserve(stats_.size());
  for (const auto& [id, s] : stats_) out.push_back(id);
  return out;
}

bool HealthTracker::admit(const EndpointId& id) { return admit_impl(id, true); }

bool HealthTracker::would_admit(const EndpointId& id) const {
  return admit_impl(id, false);
}

bool HealthTracker::admit_impl(const EndpointId& id, bool take_probe) const {
  Circuit* found = find_circuit(id);
  if (!found) return true;
  Circuit& c = *found;
  const int64_t t = now();
  std::lock_guard lock(c.mu);
  if (t < c.retry_until_ms) return false;
  if (c.open_until_ms == 0) return true;
  if (t < c.open_until_ms) return false;
  // Half-open: one probe at a time; a probe whose outcome never came is given up.
  if (c.probe_in_flight && t - c.probe_started_ms < options_.probe_timeout_ms) return false;
  if (take_probe) {
    c.probe_in_flight = true;
    c.probe_started_ms = t;
  }
  return true;
}

// ---------------------------------------------------------------- persistence

void HealthTracker::load() {
  if (!store_) return;
  const int64_t t = now();
  const int64_t minute = t / kMinuteMs;
  if (auto pruned = store_->prune_health(minute - options_.retention_days * kDayMinutes); !pruned)
    log_store_error("prune_health", pruned.error());
  last_prune_ms_ = t;
  if (auto rows = store_->health_since(minute - kDayMinutes + 1); rows) {
    for (const db::HealthBucket& b : *rows) {
      EndpointStats& s = stats_for(EndpointId{b.model, b.provider, b.upstream_model});
      std::lock_guard lock(s.mu);
      add_counts(minute_bucket(s.minutes, b.minute), from_bucket(b));
    }
  } else {
    log_store_error("health_since", rows.error());
  }
  if (auto circuits = store_->list_circuits(); circuits) {
    for (const db::CircuitState& cs : *circuits) {
      Circuit& c = circuit_for(EndpointId{"", cs.provider, cs.upstream_model});
      std::lock_guard lock(c.mu);
      c.consecutive_failures = cs.consecutive_failures;
      c.open_until_ms = std::max<int64_t>(cs.open_until_ms, 0);
    }
  } else {
    log_store_error("list_circuits", circuits.error());
  }
}

bool HealthTracker::flush() {
  if (!store_) return true;
  std::lock_guard flush_lock(flush_mu_);
  bool ok = true;
  const int64_t t = now();

  // Minute deltas: taken out under each endpoint's lock, written without any held.
  std::vector<std::pair<EndpointStats*, std::vector<MinuteCounts>>> taken;
  std::vector<db::HealthBucket> batch;
  {
    std::shared_lock lock(stats_mu_);
    for (auto& [id, s] : stats_) {
      std::vector<MinuteCounts> pending;
      {
        std::lock_guard elock(s->mu);
        pending.swap(s->pending);
      }
      if (pending.empty()) continue;
      for (const MinuteCounts& m : pending) batch.push_back(to_bucket(id, m));
      taken.emplace_back(s.get(), std::move(pending));
    }
  }
  if (!batch.empty()) {
    if (auto r = store_->upsert_health(batch); !r) {
      log_store_error("upsert_health", r.error());
      ok = false;
      for (auto& [s, pending] : taken) {  // keep them for the next flush (upsert adds)
        std::lock_guard elock(s->mu);
        s->pending.insert(s->pending.begin(), pending.begin(), pending.end());
      }
    }
  }

  // Circuit states that changed since the last flush.
  std::vector<std::pair<Circuit*, db::CircuitState>> changed;
  {
    std::shared_lock lock(circuits_mu_);
    for (auto& [key, c] : circuits_) {
      std::lock_guard clock(c->mu);
      if (!c->dirty) continue;
      c->dirty = false;
      changed.emplace_back(c.get(), db::CircuitState{key.first, key.second, c->consecutive_failures,
                                                     c->open_until_ms, t});
    }
  }
  for (auto& [c, state] : changed) {
    if (auto r = store_->put_circuit(state); !r) {
      log_store_error("put_circuit", r.error());
      ok = false;
      std::lock_guard clock(c->mu);
      c->dirty = true;
    }
  }

  if (options_.merge_shared) merge_from_store();
  if (t - last_prune_ms_ >= kDayMinutes * kMinuteMs) {
    last_prune_ms_ = t;
    if (auto r = store_->prune_health(t / kMinuteMs - options_.retention_days * kDayMinutes); !r) {
      log_store_error("prune_health", r.error());
      ok = false;
    }
  }
  return ok;
}

void HealthTracker::merge_from_store() {
  const int64_t minute = now() / kMinuteMs;
  auto rows = store_->health_since(minute - kDayMinutes + 1);
  if (!rows) return log_store_error("health_since", rows.error());
  for (const db::HealthBucket& b : *rows) {
    EndpointStats& s = stats_for(EndpointId{b.model, b.provider, b.upstream_model});
    std::lock_guard lock(s.mu);
    MinuteCounts merged = from_bucket(b);
    for (const MinuteCounts& p : s.pending)
      if (p.minute == b.minute) add_counts(merged, p);  // recorded here, not yet stored
    merged.minute = b.minute;
    minute_bucket(s.minutes, b.minute) = merged;
  }
  auto circuits = store_->list_circuits();
  if (!circuits) return log_store_error("list_circuits", circuits.error());
  for (const db::CircuitState& cs : *circuits) {
    Circuit& c = circuit_for(EndpointId{"", cs.provider, cs.upstream_model});
    std::lock_guard lock(c.mu);
    if (cs.open_until_ms <= c.open_until_ms || c.dirty) continue;  // ours is newer or as long
    c.open_until_ms = cs.open_until_ms;  // another instance tripped it
    c.consecutive_failures = std::max(c.consecutive_failures, cs.consecutive_failures);
  }
}

void HealthTracker::flush_loop() {
  std::unique_lock lock(thread_mu_);
  while (!stopping_) {
    thread_cv_.wait_for(lock, std::chrono::milliseconds(options_.flush_interval_ms), [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    flush();
    lock.lock();
  }
}

}  // namespace switchyard::proxy
