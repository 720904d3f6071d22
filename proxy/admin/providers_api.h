// GET /api/v1/admin/providers (management key): every endpoint of the live catalog with its
// provider kind, the price in force (null when unpriced) and its health: status, circuit,
// uptime over 5 min / 30 min / 1 day, latency and throughput percentiles.
#pragma once

#include <httplib.h>

#include "proxy/admin/admin_services.h"

namespace switchyard::proxy::admin {

void handle_providers(const AdminServices& s, const httplib::Request& req, httplib::Response& res);

}  // namespace switchyard::proxy::admin
