// The OpenAI Responses route table, under /v1 and /api/v1: POST /responses runs the
// completion pipeline in the Responses format; the routes of stored responses (retrieve,
// delete, cancel, input_items) answer 404 saying that nothing is stored here.
#pragma once

#include <httplib.h>

#include "proxy/http/route_table.h"

#include "proxy/pipeline/completion.h"

namespace switchyard::proxy {

// `pipeline` is copied; what it points to must outlive the server.
void mount_responses_routes(RouteTable& server, const PipelineServices& pipeline);

}  // namespace switchyard::proxy
