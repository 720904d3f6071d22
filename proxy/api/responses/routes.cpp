#include "proxy/api/responses/routes.h"

#include "proxy/api/responses/responses_format.h"
#include "proxy/http/guarded.h"

namespace switchyard::proxy {

namespace {

void not_stored(const httplib::Request& req, httplib::Response& res) {
  send_error(res, Error{ErrorKind::not_found,
                        "Responses are not stored here (this endpoint is stateless), so there is nothing at " +
                            req.method + " " + req.path,
                        0, {}, 0});
}

}  // namespace

void mount_responses_routes(RouteTable& server, const PipelineServices& pipeline) {
  static const ResponsesFormat format;
  for (std::string p : {"/v1", "/api/v1"}) {
    server.Post(p + "/responses",
                guarded([pipeline](const auto& req, auto& res) { run_completion(pipeline, format, req, res); }));
    std::string stored = p + "/responses/(.+)";
    server.Get(stored, guarded(not_stored));
    server.Delete(stored, guarded(not_stored));
    server.Post(stored, guarded(not_stored));
  }
}

}  // namespace switchyard::proxy
