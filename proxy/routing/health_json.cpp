#include "proxy/routing/health_json.h"

namespace switchyard::proxy {

namespace {

void write_percentiles(JsonWriter& w, const Percentiles& p) {
  if (p.empty) {
    w.null();
    return;
  }
  w.begin_object().field("p50", p.p50).field("p75", p.p75).field("p90", p.p90).field("p99", p.p99).end_object();
}

// OpenRouter's endpoint status: 0 serving normally, negative when degraded.
int64_t endpoint_status(const EndpointHealth& h) {
  if (h.circuit == CircuitStatus::open) return -2;
  if (h.significant_recent_failures || h.cooldown_until_ms > 0) return -1;
  return 0;
}

}  // namespace

void write_health_fields(JsonWriter& w, const EndpointHealth& h) {
  w.field("status", endpoint_status(h)).field("circuit", circuit_status_name(h.circuit));
  // Uptime as a percentage, as OpenRouter publishes it.
  w.field("uptime_last_5m", h.uptime_last_5m * 100).field("uptime_last_30m", h.uptime_last_30m * 100);
  w.field("uptime_last_1d", h.uptime_last_1d * 100);
  w.field("requests_last_5m", h.requests_last_5m).field("requests_last_30m", h.requests_last_30m);
  w.field("requests_last_1d", h.requests_last_1d);
  w.key("latency_last_30m");
  write_percentiles(w, h.latency_last_30m);
  w.key("throughput_last_30m");
  write_percentiles(w, h.throughput_last_30m);
}

}  // namespace switchyard::proxy
