#include "proxy/metrics/proxy_metrics.h"

#include <algorithm>

namespace switchyard::proxy::metrics {

namespace {

// The OpenTelemetry GenAI semantic conventions' recommended bucket boundaries.
const std::vector<double> kTokenBounds = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
const std::vector<double> kDurationBounds = {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
const std::vector<double> kTtftBounds = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0};
const std::vector<double> kPerTokenBounds = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5};
const std::vector<double> kOverheadBounds = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1};

const std::vector<std::string> kGenAiLabels = {"gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model",
                                               "gen_ai_response_model"};

std::vector<std::string> with(std::vector<std::string> base, const std::vector<std::string>& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// OpenTelemetry's operation names: chat for the chat-style APIs, text_completion for the legacy one.
const char* operation_of(const std::string& api) { return api == "completions" ? "text_completion" : "chat"; }

}  // namespace

ProxyMetrics::ProxyMetrics(bool per_key)
    : per_key_(per_key),
      token_usage_("gen_ai_client_token_usage", "Tokens per request, by type (input or output).",
                   with({"gen_ai_token_type"}, kGenAiLabels), kTokenBounds),
      request_duration_("gen_ai_server_request_duration_seconds", "Time from the request to the last byte of the answer.",
                        kGenAiLabels, kDurationBounds),
      ttft_("gen_ai_server_time_to_first_token_seconds", "Time from the request to the first token.", kGenAiLabels,
            kTtftBounds),
      time_per_token_("gen_ai_server_time_per_output_token_seconds", "Generation time per output token after the first.",
                      kGenAiLabels, kPerTokenBounds),
      overhead_("switchyard_proxy_overhead_seconds",
                "Time spent in the proxy itself: the request's time less its waits on the upstream and the client.", {},
                kOverheadBounds),
      requests_("switchyard_requests_total", "Requests answered, by API, model, provider and HTTP status.",
                per_key ? std::vector<std::string>{"api", "model", "provider", "status", "key"}
                        : std::vector<std::string>{"api", "model", "provider", "status"}),
      cost_("switchyard_cost_usd_total", "What requests were billed, in USD.",
            per_key ? std::vector<std::string>{"model", "provider", "key"} : std::vector<std::string>{"model", "provider"},
            1'000'000'000'000) {}

void ProxyMetrics::record(const db::UsageRecord& r, const RequestTimings& t, const std::string& key_name) {
  Labels genai = {operation_of(r.api), r.provider, r.model, r.upstream_model};
  Labels req = {r.api, r.model, r.provider, std::to_string(r.status)};
  Labels cost = {r.model, r.provider};
  if (per_key_) {
    req.push_back(key_name);
    cost.push_back(key_name);
  }
  requests_.add(req);
  if (r.cost_pico > 0) cost_.add(cost, r.cost_pico);
  overhead_.observe({}, static_cast<double>(std::max<int64_t>(0, t.total_ns - t.upstream_ns - t.client_ns)) / 1e9);
  if (r.provider.empty()) return;  // refused before any endpoint: no GenAI operation happened
  token_usage_.observe(with({"input"}, genai), static_cast<double>(r.prompt_tokens));
  token_usage_.observe(with({"output"}, genai), static_cast<double>(r.completion_tokens));
  request_duration_.observe(genai, static_cast<double>(r.total_ms) / 1e3);
  if (r.latency_ms) ttft_.observe(genai, static_cast<double>(*r.latency_ms) / 1e3);
  if (r.completion_tokens > 1)
    time_per_token_.observe(genai, static_cast<double>(r.generation_ms) / 1e3 / static_cast<double>(r.completion_tokens - 1));
}

std::string ProxyMetrics::exposition() const {
  std::string out;
  for (const auto* h : {&token_usage_, &request_duration_, &ttft_, &time_per_token_, &overhead_}) h->write(out);
  requests_.write(out);
  cost_.write(out);
  out += "# HELP switchyard_in_flight_requests Requests being handled now.\n"
         "# TYPE switchyard_in_flight_requests gauge\nswitchyard_in_flight_requests " +
         std::to_string(in_flight_.load()) + "\n";
  out += "# HELP switchyard_ratelimited_total Requests refused by a key's rate limits.\n"
         "# TYPE switchyard_ratelimited_total counter\nswitchyard_ratelimited_total " +
         std::to_string(ratelimited_.load()) + "\n";
  for (const auto& g : gauges_) g.write(out);
  return out;
}

}  // namespace switchyard::proxy::metrics
