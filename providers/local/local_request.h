// ChatRequest -> the local engine's GenerationRequest: messages (with the assistant's tool
// calls and the tool results), sampling, n, response_format (Chat Completions'
// {type, json_schema: {schema}} and the Responses API's flat {type, name, schema}), tools
// and tool_choice (either API's shape). The JSON fields were checked for shape by the
// proxy; anything still wrong is an invalid_argument naming the field.
#pragma once

#include "local_engine/engine.h"
#include "providers/contract.h"

namespace switchyard::providers::local {

Result<engine::GenerationRequest> to_generation_request(const ChatRequest& request, int64_t max_tokens, int32_t n_vocab);

}  // namespace switchyard::providers::local
