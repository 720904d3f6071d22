// An endpoint's health as the APIs show it (OpenRouter's endpoint fields): status (0 serving,
// -1 degraded, -2 circuit open), circuit, uptime over 5 min / 30 min / 1 day as percentages,
// request counts, latency and throughput percentiles over 30 min (null when none).
#pragma once

#include "providers/json_writer.h"
#include "proxy/routing/health.h"

namespace switchyard::proxy {

// Writes the fields into the object `w` is in.
void write_health_fields(JsonWriter& w, const EndpointHealth& h);

}  // namespace switchyard::proxy
