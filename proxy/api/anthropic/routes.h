// The Anthropic route table, under /v1 and /api/v1: messages (the pipeline, billed and
// recorded like every surface) and messages/count_tokens (count_tokens.h).
#pragma once

#include <httplib.h>

#include "proxy/http/route_table.h"

#include "proxy/pipeline/completion.h"

namespace switchyard::proxy::anthropic {

struct AnthropicServices {
  PipelineServices pipeline;
};

// `s` is copied; what it points to must outlive the server.
void mount_anthropic_routes(RouteTable& server, const AnthropicServices& s);

}  // namespace switchyard::proxy::anthropic
