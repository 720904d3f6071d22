// The Anthropic Messages request (POST /v1/messages) -> one validated ChatRequest in the
// OpenAI vocabulary (providers/request.h), or an invalid_argument Error whose message names
// the field path (e.g. "messages[2].content[0].type must be one of ...") and whose metadata
// is {"param":"<field path>"}. Never throws; linear in the body size.
//
// The mapping:
//  - system (a string or text blocks) -> a leading system Message;
//  - text blocks -> text parts, image blocks (source base64 or url) -> image_url parts (a
//    data: URL for base64); cache_control on blocks and tools is kept where the OpenAI
//    vocabulary carries it (parts, tools), so an Anthropic upstream can cache again;
//  - assistant turns: text joined into a string, tool_use blocks -> tool_calls (arguments =
//    the input object minified); thinking and redacted_thinking blocks are dropped (no
//    provider can take them back, and Switchyard never asks for thinking upstream);
//  - user turns: each tool_result -> a role "tool" Message (content string or text blocks;
//    is_error prefixes the text with "Error: "), in order, then one user Message with the
//    turn's other blocks; images inside a tool_result move into that user Message, since
//    OpenAI tool messages carry text only;
//  - tools (input_schema) -> OpenAI function tools (parameters); only custom tools: server
//    tools (web_search_..., bash_..., a `type` other than custom) are a 400 naming the type;
//  - tool_choice auto -> "auto", any -> "required", tool -> {"type":"function",...},
//    none -> "none"; disable_parallel_tool_use: true -> parallel_tool_calls false;
//  - stop_sequences -> stop, metadata.user_id -> user, max_tokens (required) -> max_tokens;
//    temperature in [0, 1], top_p in (0, 1], top_k an integer >= 0 (0: off).
// parameters_sent holds the OpenAI names of what was sent (temperature, top_p, top_k,
// max_tokens, stop, stream, tools, tool_choice, parallel_tool_calls, user).
// Leniencies: unknown top-level fields are ignored and not passed upstream (they are
// Anthropic's, e.g. thinking, service_tier, container); a null field is absent; unknown keys
// inside blocks are ignored; a tool_choice without tools is dropped. Strictness: block types
// other than text, image, tool_use, tool_result, thinking and redacted_thinking (document,
// search_result, server tool blocks) are a 400 naming the type, as are blocks in a turn whose
// role cannot have them (tool_use from the user, tool_result or image from the assistant);
// duplicate top-level keys are rejected.
#pragma once

#include <cstddef>
#include <string_view>

#include "providers/contract.h"

namespace switchyard::proxy::anthropic {

struct ParseOptions {
  bool require_max_tokens = true;  // false for count_tokens
  size_t max_messages = 100000;  // Anthropic's documented limit
};

Result<ChatRequest> parse_messages_request(std::string_view body, const ParseOptions& options);

}  // namespace switchyard::proxy::anthropic
