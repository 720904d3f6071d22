// POST /v1/messages/count_tokens: the same key check and request body as /v1/messages
// (max_tokens not required), routed on the current catalog; the first planned attempt's
// provider counts the prompt (Provider::count_prompt_tokens: exact on the local engine, an
// invalid_argument error from kinds that do not know their tokenizer, passed on as a 400).
// Answers {"input_tokens": N}. Free: no limit check, no usage row.
#pragma once

#include <httplib.h>

#include "proxy/pipeline/completion.h"

namespace switchyard::proxy::anthropic {

void handle_count_tokens(const PipelineServices& services, const httplib::Request& req, httplib::Response& res);

}  // namespace switchyard::proxy::anthropic
