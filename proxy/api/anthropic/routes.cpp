#include "proxy/api/anthropic/routes.h"

#include "proxy/api/anthropic/count_tokens.h"
#include "proxy/api/anthropic/errors.h"
#include "proxy/api/anthropic/messages_format.h"
#include "proxy/http/guarded.h"

namespace switchyard::proxy::anthropic {

void mount_anthropic_routes(RouteTable& server, const AnthropicServices& s) {
  static const MessagesFormat messages;
  for (std::string p : {"/v1", "/api/v1"}) {
    server.Post(p + "/messages",
                guarded([s](const auto& req, auto& res) { run_completion(s.pipeline, messages, req, res); }, error_body));
    server.Post(p + "/messages/count_tokens",
                guarded([s](const auto& req, auto& res) { handle_count_tokens(s.pipeline, req, res); }, error_body));
  }
}

}  // namespace switchyard::proxy::anthropic
