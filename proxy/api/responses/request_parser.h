// The OpenAI Responses request (POST /v1/responses) -> one validated ChatRequest, in the
// chat vocabulary every provider speaks, or an invalid_argument Error whose message names
// the field path (`input[2].content[0].type`) and whose metadata is {"param":"<path>"}.
// Never throws; linear in the body size.
//
// Mapping:
//  - instructions -> a leading system message; input as a string -> one user message;
//  - input items: {type:"message", role, content} (type may be left out when role is
//    there), roles user | assistant | system | developer (developer becomes system),
//    content a string or parts: input_text and output_text -> chat text parts,
//    input_image {image_url, detail} -> a chat image_url part;
//    {type:"function_call", call_id, name, arguments} -> tool_calls on an assistant turn
//    (it joins the assistant message or function calls right before it);
//    {type:"function_call_output", call_id, output} -> a `role: tool` message, whose call_id
//    must name a function_call earlier in input;
//  - tools [{type:"function", name, description, parameters, strict}] -> chat function
//    tools; tool_choice "auto" | "none" | "required" | {type:"function", name};
//    parallel_tool_calls; max_output_tokens -> max_tokens; temperature; top_p; user;
//  - text.format {type:"text"} (nothing), {type:"json_object"}, {type:"json_schema", name,
//    schema, strict, description} -> chat response_format;
//  - instructions, metadata, tools, tool_choice, text and reasoning are kept as sent in
//    ChatRequest::echo_fields for the response object to repeat.
// Stateless: store may be false or absent (true is a 400: nothing is stored here), and
// previous_response_id is a 400 (send the whole conversation in input). truncation may be
// "disabled" or absent; "auto" is a 400, since nothing here drops input to fit.
// reasoning is checked for shape and echoed, but not forwarded.
// Strictness: unknown top-level fields are a 400 naming them, as OpenAI answers (a silently
// dropped field would change the answer without a word); duplicate top-level keys are a
// 400; an explicit null is the same as absent. Inside items, parts, tools and text, unknown
// keys are ignored: output items replayed as input carry id, status and annotations.
// Part and item types outside the ones above (input_file, reasoning, web_search...) are a
// 400 naming the type, and so are tool types other than function.
#pragma once

#include <string_view>

#include "providers/contract.h"
#include "providers/error.h"

namespace switchyard::proxy {

Result<ChatRequest> parse_responses_request(std::string_view body);

}  // namespace switchyard::proxy
