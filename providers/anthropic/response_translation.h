// Anthropic Messages API answers -> normalized Events, and Anthropic errors -> Error.
// Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "providers/contract.h"
#include "providers/error.h"

namespace switchyard::anthropic {

// A non-streamed message, reduced to what the contract carries.
struct MessageResponse {
  std::string id;
  std::string text;                  // all text blocks concatenated, in order
  std::vector<ToolCall> tool_calls;  // tool_use blocks in order; arguments = minified input
  std::string stop_reason;           // native, e.g. end_turn
  Usage usage;
};

// Parses a 200 body of POST /messages. Garbage -> upstream_error whose metadata is
// {"provider_name","upstream_status":200,"raw"}.
Result<MessageResponse> parse_message_response(std::string_view body, std::string_view provider_name = "anthropic");

// role, content (if any), one tool_call event per call (id, name and whole arguments),
// finish, usage.
std::vector<Event> message_events(const MessageResponse& message);

// end_turn/stop_sequence -> stop, max_tokens -> length, tool_use -> tool_calls, refusal ->
// content_filter; unknown -> stop.
std::string map_stop_reason(std::string_view native);

// Anthropic usage object -> Usage. Anthropic's input_tokens excludes cached tokens, while
// OpenAI's prompt_tokens includes them, hence the sum. Absent fields count as 0; the stream
// translator merges the fields of message_start and message_delta before converting.
struct UsageFields {
  std::optional<int64_t> input_tokens, output_tokens, cache_read, cache_write;
};
Usage to_usage(const UsageFields& u);

// What identifies an upstream in error metadata.
struct ErrorContext {
  std::string provider_name;
  int upstream_status = 0;       // HTTP status the error came with (200 for in-stream errors)
  int retry_after_seconds = 0;   // from Retry-After, 0 if none
};

// An Anthropic error body ({"type":"error","error":{"type","message"}}, or anything else)
// -> Error. Kind from the HTTP status (400/413/422 pass through, 429 rate_limited, 529 and
// the rest upstream_error 502); for in-stream errors (status 200) from error.type.
// metadata: {"provider_name","upstream_status","raw"}.
Error upstream_error(const ErrorContext& context, std::string_view body);

// Retry-After in delta-seconds; an HTTP-date or garbage gives 0.
int parse_retry_after(std::string_view value);

}  // namespace switchyard::anthropic
