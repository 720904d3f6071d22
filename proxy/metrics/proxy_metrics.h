// The proxy's metrics (GET /metrics), in OpenTelemetry GenAI names in Prometheus form plus
// Switchyard's own. Per request (RequestLedger::finish):
//   gen_ai_client_token_usage{gen_ai_token_type=input|output, ...}   histogram of tokens
//   gen_ai_server_request_duration_seconds, gen_ai_server_time_to_first_token_seconds,
//   gen_ai_server_time_per_output_token_seconds                      histograms
//     (labels gen_ai_operation_name, gen_ai_provider_name, gen_ai_request_model,
//      gen_ai_response_model)
//   switchyard_requests_total{api,model,provider,status}              counter
//   switchyard_cost_usd_total{model,provider}                         counter (exact: picodollars inside)
//   switchyard_proxy_overhead_seconds                                 histogram of the time spent in
//     the proxy itself: the request's time less its waits on the upstream and on the client
//   switchyard_in_flight_requests, switchyard_ratelimited_total
// Scrape-time gauges (health, circuits, the ledger, local engines) are added by the
// composition root with add_gauge(). With per_key, requests and cost also carry the key's
// name (an operator's choice: it bounds the labels to the keys that exist).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "db/records.h"
#include "proxy/metrics/registry.h"

namespace switchyard::proxy::metrics {

struct RequestTimings {
  int64_t total_ns = 0;
  int64_t upstream_ns = 0;  // waiting on the provider (open, next)
  int64_t client_ns = 0;    // waiting on writes to the client
};

class ProxyMetrics {
 public:
  explicit ProxyMetrics(bool per_key = false);

  void request_started() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void request_ended() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
  // The request's row is final; `key_name` is used only with per_key.
  void record(const db::UsageRecord& row, const RequestTimings& t, const std::string& key_name);
  void rate_limited() { ratelimited_.fetch_add(1, std::memory_order_relaxed); }
  void add_gauge(GaugeFamily gauge) { gauges_.push_back(std::move(gauge)); }

  // The whole text exposition.
  std::string exposition() const;

 private:
  bool per_key_;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> ratelimited_{0};
  HistogramFamily token_usage_, request_duration_, ttft_, time_per_token_, overhead_;
  CounterFamily requests_, cost_;
  std::vector<GaugeFamily> gauges_;
};

}  // namespace switchyard::proxy::metrics
