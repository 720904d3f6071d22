// The admin route table: /api/v1/keys (OpenRouter's key management), /api/v1/admin/pricing
// and /api/v1/admin/audit. Every route needs a management key.
#pragma once

#include <httplib.h>

#include "proxy/http/route_table.h"

#include "proxy/admin/admin_services.h"

namespace switchyard::proxy::admin {

// `s` is copied; what it points to must outlive the server.
void mount_admin_routes(RouteTable& server, const AdminServices& s);

}  // namespace switchyard::proxy::admin
