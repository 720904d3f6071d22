#include "proxy/server/health_routes.h"

#include "providers/json_writer.h"
#include "proxy/http/error.h"
#include "proxy/http/guarded.h"

namespace switchyard::proxy {

void mount_health_routes(RouteTable& server, std::function<Result<void>()> ready) {
  server.Get("/health/live", [](const auto&, auto& res) { send_json(res, "{\"status\":\"ok\"}"); });
  server.Get("/health/ready", guarded([ready](const auto&, auto& res) {
               auto ok = ready();
               if (ok) return send_json(res, "{\"status\":\"ready\"}");
               JsonWriter w;
               w.begin_object().field("status", "not_ready").field("reason", ok.error().message).end_object();
               send_json(res, w.take(), 503);
             }));
}

}  // namespace switchyard::proxy
