// GET /health/live (the process answers) and GET /health/ready (200 when ready to serve,
// 503 with the reason otherwise), for load balancers and orchestrators.
#pragma once

#include <httplib.h>

#include "proxy/http/route_table.h"

#include <functional>

#include "providers/error.h"

namespace switchyard::proxy {

void mount_health_routes(RouteTable& server, std::function<Result<void>()> ready);

}  // namespace switchyard::proxy
