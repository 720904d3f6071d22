// OpenAI-shaped ChatRequest -> Anthropic Messages API request body (POST {base_url}/messages).
// Pure: no I/O, so every translation rule is unit-tested on exact JSON.
#pragma once

#include <string>

#include "providers/contract.h"
#include "providers/error.h"

namespace switchyard::anthropic {

// The `anthropic-version` header value this translation targets.
inline constexpr const char* kApiVersion = "2023-06-01";

// Builds the JSON body. Field order is fixed (model, system, messages, max_tokens,
// temperature, top_p, top_k, stop_sequences, tools, tool_choice, metadata, stream) so the
// output is deterministic. Fails with invalid_argument (naming the message index) when the
// request cannot be expressed: tool-call arguments that are not a JSON object, an
// unsupported content part, a malformed data: URL, an unknown role.
Result<std::string> build_messages_body(const OpenParams& params);

}  // namespace switchyard::anthropic
