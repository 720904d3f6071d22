#include "proxy/admin/routes.h"

#include "proxy/admin/audit_api.h"
#include "proxy/admin/keys_api.h"
#include "proxy/admin/pricing_api.h"
#include "proxy/admin/providers_api.h"
#include "proxy/admin/usage_api.h"
#include "proxy/http/guarded.h"

namespace switchyard::proxy::admin {

void mount_admin_routes(RouteTable& server, const AdminServices& s) {
  using Handler = void (*)(const AdminServices&, const httplib::Request&, httplib::Response&);
  auto route = [s](Handler h) { return guarded([s, h](const auto& req, auto& res) { h(s, req, res); }); };
  const std::string key = R"(/api/v1/keys/([0-9a-f]{64}))";
  server.Get("/api/v1/keys", route(handle_list_keys));
  server.Post("/api/v1/keys", route(handle_create_key));
  server.Get(key, route(handle_get_key));
  server.Patch(key, route(handle_update_key));
  server.Delete(key, route(handle_delete_key));
  server.Get("/api/v1/admin/pricing", route(handle_list_prices));
  server.Post("/api/v1/admin/pricing", route(handle_set_price));
  server.Get("/api/v1/admin/audit", route(handle_audit));
  server.Get("/api/v1/admin/usage", route(handle_usage));
  server.Get("/api/v1/admin/overview", route(handle_overview));
  server.Get("/api/v1/admin/providers", route(handle_providers));
  server.Get("/api/v1/admin/generations", route(handle_generations));
  for (const char* p : {"/api/v1/activity", "/v1/activity"}) server.Get(p, route(handle_activity));
}

}  // namespace switchyard::proxy::admin
