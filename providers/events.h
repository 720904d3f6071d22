// The normalized answer (DESIGN.md §1): a pull-based stream of events (role, content delta,
// tool-call delta, logprobs, finish, usage, error) that every provider yields and every
// response sink consumes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "providers/error.h"

namespace switchyard {

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;       // prompt tokens read from a cache
  int64_t cache_write_tokens = 0;  // prompt tokens written to a cache
  int64_t reasoning_tokens = 0;    // of the completion tokens, those spent reasoning
  bool estimated = false;          // the upstream did not report it; we counted
};

struct ToolCallDelta {
  int64_t index = 0;
  std::string id;        // first delta of a call only
  std::string name;      // first delta of a call only
  std::string arguments; // fragment of the JSON arguments
};

enum class EventKind {
  role,       // the assistant turn starts (choice_index)
  content,    // text delta
  tool_call,  // tool-call delta
  logprobs,   // logprobs for the preceding content (logprobs_json)
  finish,     // finish_reason for choice_index
  usage,      // token counts; at most one per stream, near the end
  error,      // the attempt failed; last event of the stream
};

struct Event {
  EventKind kind = EventKind::content;
  int64_t choice_index = 0;
  std::string text;                  // content delta
  ToolCallDelta tool_call;           // tool_call
  std::string logprobs_json;         // logprobs: the OpenAI `logprobs` object content
  std::string finish_reason;         // stop | length | tool_calls | content_filter | error
  std::string native_finish_reason;  // what the upstream said
  Usage usage;
  Error error;
  std::string upstream_id;           // optional: the upstream's response id (first event)
};

// What a provider counted of a stream that ended before its usage event (the client left,
// the transfer broke): the ledger bills these instead of estimates where it can.
struct PartialUsage {
  std::optional<int64_t> prompt_tokens;      // the prompt it processed, when it knows
  int64_t cached_tokens = 0;                 // of those, read from a cache
  std::optional<int64_t> completion_tokens;  // tokens it produced so far, when it counts them
};

// Pull-based stream. next() blocks until the next event, and returns nullopt at the end.
// A failure is an Event{kind=error} and is the last event. Destroying the stream cancels
// the upstream transfer or local generation.
class EventStream {
 public:
  virtual ~EventStream() = default;
  virtual std::optional<Event> next() = 0;
  // Counts so far, asked when the stream is abandoned before its usage event.
  virtual PartialUsage partial_usage() const { return {}; }
};

// Normalizes an upstream finish reason to stop | length | tool_calls | content_filter | error.
std::string normalize_finish_reason(const std::string& native);

}  // namespace switchyard
