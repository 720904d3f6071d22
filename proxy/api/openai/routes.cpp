#include "proxy/api/openai/routes.h"

#include "proxy/api/openai/chat_format.h"
#include "proxy/http/guarded.h"

namespace switchyard::proxy {

void mount_openai_routes(RouteTable& server, const OpenAiServices& s) {
  static const OpenAiFormat chat(false), completions(true);
  for (std::string p : {"/v1", "/api/v1"}) {
    server.Post(p + "/chat/completions",
                guarded([s](const auto& req, auto& res) { run_completion(s.pipeline, chat, req, res); }));
    server.Post(p + "/completions",
                guarded([s](const auto& req, auto& res) { run_completion(s.pipeline, completions, req, res); }));
    server.Get(p + "/models", guarded([s](const auto& req, auto& res) { handle_models(s.info, req, res); }));
    server.Get(p + "/generation", guarded([s](const auto& req, auto& res) { handle_generation(s.info, req, res); }));
    server.Get(p + "/key", guarded([s](const auto& req, auto& res) { handle_key(s.info, req, res); }));
    server.Get(p + "/auth/key", guarded([s](const auto& req, auto& res) { handle_key(s.info, req, res); }));
    server.Get(p + R"(/models/([^/]+)/([^/]+)/endpoints)",
               guarded([s](const auto& req, auto& res) { handle_endpoints(s.info, req, res); }));
    // After the endpoints route: httplib tries routes in the order they were added.
    server.Get(p + R"(/models/(.+))", guarded([s](const auto& req, auto& res) { handle_model(s.info, req, res); }));
  }
}

}  // namespace switchyard::proxy
