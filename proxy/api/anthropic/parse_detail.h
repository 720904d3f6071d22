// Internal to the request parser (request_parser.cpp and the parse_*.cpp files): the state
// one body walk shares, and one handler per known top-level field.
#pragma once

#include <optional>
#include <string>
#include <unordered_set>

#include "proxy/api/anthropic/request_parser.h"
#include "proxy/api/common/json_fields.h"

namespace switchyard::proxy::anthropic::parse_detail {

using namespace json_fields;

// Rules that involve two fields (tool_choice names one of the tools) are checked after the
// walk, because JSON key order is free; so is the system prompt, which must lead.
struct Context {
  ChatRequest& request;
  const ParseOptions& options;
  bool messages_sent = false, max_tokens_sent = false;
  std::optional<Message> system;
  std::optional<element> tool_choice;          // parsed last, against tool_names
  std::unordered_set<std::string> tool_names;  // from `tools`
};
using Handler = Status (*)(element, Context&);

// parse_sampling.cpp
Status parse_model(element e, Context& c);
Status parse_max_tokens(element e, Context& c);
Status parse_temperature(element e, Context& c);
Status parse_top_p(element e, Context& c);
Status parse_top_k(element e, Context& c);
Status parse_stop_sequences(element e, Context& c);
Status parse_stream(element e, Context& c);
Status parse_metadata(element e, Context& c);
// parse_messages.cpp
Status parse_system(element e, Context& c);
Status parse_messages(element e, Context& c);
// parse_tools.cpp
Status parse_tools(element e, Context& c);
Status parse_tool_choice_deferred(element e, Context& c);  // only remembers the element
Status parse_tool_choice(element e, Context& c);           // run after the walk

// parse_blocks.cpp: one content block into OpenAI parts / tool calls / tool messages.
struct Turn {
  std::string role;               // user | assistant
  std::vector<Message> tool_results;  // user: role "tool" messages, in order
  std::vector<std::string> parts;     // minified OpenAI content parts (text, image_url)
  std::string text;                   // the text parts joined with "\n"
  bool have_text = false;
  std::vector<ToolCall> tool_calls;   // assistant
};
Status parse_block(element block, const std::string& path, Turn& turn);
// A text block (its type already checked) into the turn's text and parts, with its
// cache_control; system prompts take only these.
Status add_text_block(simdjson::dom::object block, const std::string& path, Turn& turn);

}  // namespace switchyard::proxy::anthropic::parse_detail
