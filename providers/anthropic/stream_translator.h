// Anthropic streaming events (SSE `event:` name + `data:` JSON) -> OpenAI-shaped Events.
// Pure and incremental: feed each SSE event as it arrives, then finish() at end of body.
//
// Anthropic sends: message_start, then per content block content_block_start /
// content_block_delta* / content_block_stop, then message_delta (stop_reason, output
// usage) and message_stop; ping may appear anywhere; error may replace the rest.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "providers/anthropic/response_translation.h"
#include "providers/contract.h"

namespace switchyard::anthropic {

class StreamTranslator {
 public:
  explicit StreamTranslator(std::string provider_name = "anthropic") : provider_name_(std::move(provider_name)) {}

  // Appends the Events one SSE event yields (often none). `event_name` may be empty: the
  // JSON's own "type" field decides.
  void on_event(std::string_view event_name, std::string_view data, std::vector<Event>& out);

  // End of the upstream body. A stream without message_stop (or error) was truncated:
  // appends usage so far (when known) and an error event.
  void finish(std::vector<Event>& out);

  // The transfer failed (timeout, lost connection): appends usage so far (when known) and
  // `error`, unless the stream already ended.
  void abort(Error error, std::vector<Event>& out);

  // The input tokens message_start reported (Anthropic counts the prompt before the first
  // token). Completion tokens are counted only at message_delta, the end: none here.
  PartialUsage partial_usage() const;

  // message_stop or an error was seen: nothing more will be emitted.
  bool done() const { return done_; }

 private:
  void emit_error(Error error, std::vector<Event>& out);
  void emit_usage(std::vector<Event>& out);

  simdjson::dom::parser parser_;  // reused: one allocation per stream, not per event
  std::string provider_name_;
  bool started_ = false;        // message_start seen (role emitted)
  bool finished_ = false;       // finish event emitted
  bool done_ = false;
  bool usage_emitted_ = false;
  UsageFields usage_;
  // Anthropic block index -> OpenAI tool-call index, for tool_use blocks only.
  struct ToolBlock {
    int64_t tool_index = 0;
    bool has_arguments = false;  // a non-empty partial_json was forwarded
  };
  std::map<int64_t, ToolBlock> tool_blocks_;
  int64_t next_tool_index_ = 0;
};

}  // namespace switchyard::anthropic
