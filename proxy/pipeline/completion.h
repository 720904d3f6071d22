// The completion pipeline (DESIGN.md §1), the same for every ingress format:
//   authenticate (from the headers; management keys are refused here) -> parse the body
//   (the format's parser) -> plan the route on the current catalog -> rate limits -> reserve
//   the worst-case cost on the key's budget -> open attempts with failover before the first
//   event -> drain the events into the format's ResponseSink, as one JSON body or as a
//   stream -> RequestLedger::finish (settles the reservation), exactly once.
// Before the first event every failure is an HTTP error in the format's shape; after it, a
// failure ends the stream the way the format says (ResponseEnd::failure).
#pragma once

#include <httplib.h>

#include "db/ledger_writer.h"
#include "proxy/auth/key_table.h"
#include "proxy/auth/rate_limiter.h"
#include "proxy/metrics/proxy_metrics.h"
#include "proxy/pipeline/access_log.h"
#include "proxy/pipeline/key_budget.h"
#include "proxy/pipeline/response_sink.h"
#include "proxy/routing/catalog.h"
#include "proxy/routing/health.h"

namespace switchyard::proxy {

struct PipelineServices {
  const CatalogHolder* catalog = nullptr;
  KeyTable* keys = nullptr;
  HealthTracker* health = nullptr;
  db::LedgerWriter* ledger = nullptr;
  RateLimiter* limiter = nullptr;
  metrics::ProxyMetrics* metrics = nullptr;
  std::function<int64_t()> now_ms;  // default: real time
  AccessLog* access_log = nullptr;  // nullptr: no access-log lines
  Budget* budget = nullptr;         // where reservations are held; null: the key table (local)
};

// A key's own limits where it sets them, the config's defaults elsewhere (0 = none).
RateLimits effective_limits(const KeySettings& key, const RateLimitDefaults& defaults);

// Never throws out of the handler's own work; the response is written into `res`.
void run_completion(const PipelineServices& services, const WireFormat& format, const httplib::Request& req,
                    httplib::Response& res);

}  // namespace switchyard::proxy
