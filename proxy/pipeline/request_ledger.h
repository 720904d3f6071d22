// RequestLedger: everything one request accumulates for its usage row and its endpoint's
// health, finished exactly once on every exit path (DESIGN.md §1):
//  * finish(...) fills tokens, cost, status and timing; records the serving endpoint's
//    outcome in the health tracker (a stream that breaks after its first byte counts
//    against the endpoint unless the request or the client caused it, see blames_request);
//    settles the key's budget reservation to the real cost and hands its rate-limit slot
//    back with the real token count; writes the access-log line (access_log.h); queues the row.
//  * Later calls do nothing, so a path may finish early without the others double-counting.
//  * A ledger destroyed unfinished (an exception, a stream httplib never ran) records the
//    request as an internal error: no path loses a row.
//  * Before authentication there is no key to bill and no row is written.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "db/ledger_writer.h"
#include "db/records.h"
#include "providers/events.h"
#include "proxy/auth/key_table.h"
#include "proxy/auth/rate_limiter.h"
#include "proxy/billing/money.h"
#include "proxy/metrics/proxy_metrics.h"
#include "proxy/pipeline/access_log.h"
#include "proxy/pipeline/key_budget.h"
#include "proxy/pipeline/response_sink.h"
#include "proxy/routing/health.h"

namespace switchyard::proxy {

struct LedgerServices {
  db::LedgerWriter* ledger = nullptr;
  HealthTracker* health = nullptr;
  RateLimiter* limiter = nullptr;
  metrics::ProxyMetrics* metrics = nullptr;
  std::function<int64_t()> now_ms;  // stamps the row; the budget's clock
  AccessLog* access_log = nullptr;  // nullptr: no access-log line
  Budget* budget = nullptr;         // where the reservation was held; null: the key entry
};

// How a request ended.
struct Outcome {
  int status = 200;
  Usage usage;
  billing::Picodollars cost;
  billing::Picodollars waived;     // zero-completion insurance: what it would have cost
  bool insured = false;
  std::optional<Error> error;      // what failed (the message goes on the row)
  bool after_first_byte = false;   // the failure came once the response had started
  bool cancelled = false;          // the client left (499)
  std::string finish_reason, native_finish_reason;
};

class RequestLedger {
 public:
  RequestLedger(LedgerServices services, ApiSurface api);
  ~RequestLedger();
  RequestLedger(const RequestLedger&) = delete;
  RequestLedger& operator=(const RequestLedger&) = delete;

  const std::string& generation_id() const { return record_.generation_id; }
  // The calling key: from here on the request is recorded, failures included.
  void set_key(std::shared_ptr<KeyEntry> key);
  const std::shared_ptr<KeyEntry>& key() const { return key_; }
  void set_client_ip(std::string ip) { client_ip_ = std::move(ip); }  // for the access log
  // Fields the pipeline fills as it goes: model, app attribution, attempts.
  db::UsageRecord& record() { return record_; }
  const db::UsageRecord& record() const { return record_; }
  // The attempt that yielded the first event; its outcome is recorded at finish().
  void served(const EndpointId& endpoint, const AttemptOutcome& outcome);
  // The key's budget holds `amount` for this request until finish() settles it.
  void hold(BudgetHold hold) { hold_ = hold; }
  // The rate limiter admitted this request; finish() gives it back.
  void admitted(RateAdmission admission) { admission_ = std::move(admission); }
  // Time spent waiting, so the metrics can tell the proxy's own time from the rest.
  void waited_on_upstream(std::chrono::steady_clock::duration d) { timings_.upstream_ns += to_ns(d); }
  void waited_on_client(std::chrono::steady_clock::duration d) { timings_.client_ns += to_ns(d); }
  void first_byte();  // the response started: latency is now
  // A failure before the response started (nothing billed).
  void finish_error(const Error& error);
  void finish(const Outcome& outcome);
  bool finished() const { return finished_; }
  int64_t elapsed_ms() const;

 private:
  void record_health(const Outcome& o);

  LedgerServices services_;
  db::UsageRecord record_;
  std::shared_ptr<KeyEntry> key_;
  std::string client_ip_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::optional<EndpointId> served_;
  AttemptOutcome served_outcome_;
  BudgetHold hold_;
  std::optional<RateAdmission> admission_;
  metrics::RequestTimings timings_;
  static int64_t to_ns(std::chrono::steady_clock::duration d) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  }
  bool finished_ = false;
};

// OpenRouter-style ids: gen-<unix seconds>-<20 random alphanumerics>.
std::string new_generation_id();

}  // namespace switchyard::proxy
