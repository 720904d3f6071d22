// GET /api/v1/admin/audit?offset=&limit= (management key): every admin change, newest
// first: {"data":[{id, created_at, actor, action, target, details}]}.
#pragma once

#include <httplib.h>

#include "proxy/admin/admin_services.h"

namespace switchyard::proxy::admin {

void handle_audit(const AdminServices& s, const httplib::Request& req, httplib::Response& res);

}  // namespace switchyard::proxy::admin
