// The OpenAI/OpenRouter route table, under /v1 and /api/v1.
#pragma once

#include <httplib.h>

#include "proxy/http/route_table.h"

#include "proxy/api/openai/info_handlers.h"
#include "proxy/pipeline/completion.h"

namespace switchyard::proxy {

struct OpenAiServices {
  PipelineServices pipeline;
  InfoServices info;
};

// `s` is copied; what it points to must outlive the server.
void mount_openai_routes(RouteTable& server, const OpenAiServices& s);

}  // namespace switchyard::proxy
