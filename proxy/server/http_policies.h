// Server-wide HTTP behaviour, beside the routes themselves:
//  * httplib's own answers (no route, a body too large) get our JSON error shape; a known
//    path asked with the wrong method is a 405 with an Allow header;
//  * CORS, so browser apps can call the API: a preflight (OPTIONS) on a known path is
//    answered for its methods, and every response to an allowed Origin says so. Allowed
//    origins come from server.cors_origins ("*" for any).
#pragma once

#include <httplib.h>

#include <string>
#include <vector>

#include "proxy/http/route_table.h"

namespace switchyard::proxy {

void install_error_handler(httplib::Server& server, const RouteTable& routes, int64_t max_body_bytes);
void install_cors(httplib::Server& server, const RouteTable& routes, std::vector<std::string> allowed_origins);

}  // namespace switchyard::proxy
