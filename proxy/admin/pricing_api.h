// /api/v1/admin/pricing (management key required):
//   GET  /api/v1/admin/pricing   {"data":[{model, provider, upstream_model, in_force: price|null,
//                                          history: [price...]}]} for every catalog endpoint
//   POST /api/v1/admin/pricing   {model, provider, upstream_model?, prompt, completion, request?,
//                                 input_cache_read?, input_cache_write?, effective_from?}
//                                -> 201 {"data": price}
// Token prices in USD per million tokens (as config.yaml writes them), request in USD per
// request, effective_from ISO 8601 (default: now). A price row is never changed or removed:
// a new one supersedes it from its effective time, and requests are billed at the row in
// force when they started.
#pragma once

#include <httplib.h>

#include "proxy/admin/admin_services.h"

namespace switchyard::proxy::admin {

void handle_list_prices(const AdminServices& s, const httplib::Request& req, httplib::Response& res);
void handle_set_price(const AdminServices& s, const httplib::Request& req, httplib::Response& res);

}  // namespace switchyard::proxy::admin
