// GET /health/live (the process answers) and GET /health/ready (200 when ready to serve,
// 503 with the reason otherwise), for load balancers and orchestrators.
#pragma once

#include <httplib.h>

#include <functional>

#include "providers/error.h"

namespace switchyard::proxy {

void mount_health_routes(httplib::Server& server, std::function<Result<void>()> ready);

}  // namespace switchyard::proxy
