// The operator dashboard, served by the binary itself:
//   GET /dashboard, /dashboard/        the page (index.html), revalidated on every load
//   GET /dashboard/assets/<file>       its script, stylesheet and icon; the names carry a
//                                      content hash, so they are cached for a year
// Fetching these needs no key: they hold no data. The page asks the operator for a
// management key and sends it as a Bearer header on every API call it makes.
// Every response forbids what the page never does (Content-Security-Policy: only its own
// scripts, styles and API; no inline script; no framing) and content sniffing (nosniff).
// A bundle without files (node was missing at build time) gets a 503 page saying why.
#pragma once

#include "proxy/admin/dashboard_assets.h"
#include "proxy/http/route_table.h"

namespace switchyard::proxy::admin {

// What `bundle` points to must outlive the server (embedded_dashboard()'s is static).
void mount_dashboard_routes(RouteTable& server, DashboardBundle bundle);

}  // namespace switchyard::proxy::admin
