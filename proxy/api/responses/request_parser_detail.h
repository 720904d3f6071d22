// Internal to the Responses request parser (request_parser.h): the state one body walk
// shares, and one handler per known top-level field, each seeing a non-null value.
#pragma once

#include <optional>
#include <string>
#include <unordered_set>

#include "providers/contract.h"
#include "proxy/api/common/json_fields.h"

namespace switchyard::proxy::responses_detail {

using namespace json_fields;

// Rules between fields (tool_choice against tools, instructions before input) are applied
// after the walk, because JSON key order is free.
struct Context {
  ChatRequest& request;
  std::optional<std::string> instructions;  // becomes the leading system message
  bool input_sent = false;
  std::optional<element> tool_choice;           // parsed last, against tool_names
  std::unordered_set<std::string> tool_names;   // function names from `tools`
  std::unordered_set<std::string> call_ids;     // function_call items seen so far in input
};
using Handler = Status (*)(element, Context&);

// parse_input.cpp
Message text_message(std::string role, std::string_view text);  // a plain string content
Status parse_input(element e, Context& c);
Status parse_instructions(element e, Context& c);
// parse_tools.cpp
Status parse_tools(element e, Context& c);
Status parse_tool_choice_deferred(element e, Context& c);  // only remembers the element
Status parse_tool_choice(element e, Context& c);           // run after the walk
Status parse_text(element e, Context& c);
// parse_options.cpp
Status parse_model(element e, Context& c);
Status parse_stream(element e, Context& c);
Status parse_temperature(element e, Context& c);
Status parse_top_p(element e, Context& c);
Status parse_max_output_tokens(element e, Context& c);
Status parse_parallel_tool_calls(element e, Context& c);
Status parse_user(element e, Context& c);
Status parse_metadata(element e, Context& c);
Status parse_reasoning(element e, Context& c);
Status parse_store(element e, Context& c);
Status parse_previous_response_id(element e, Context& c);
Status parse_truncation(element e, Context& c);

}  // namespace switchyard::proxy::responses_detail
