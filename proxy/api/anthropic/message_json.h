// Normalized events -> Anthropic's Message JSON (DESIGN.md §1), for the plain body and the
// pieces the stream encoder (stream_encoder.h) reuses.
//  - id: the generation id (gen-...), the same as X-Generation-Id, the ledger row and
//    GET /api/v1/generation?id=; Anthropic's msg_ prefix is not imitated (nothing in the
//    SDKs or Claude Code reads it).
//  - model: the public model id that served.
//  - stop_reason from the normalized finish_reason: stop -> end_turn, or stop_sequence when
//    the upstream said a stop sequence matched (native stop_sequence / stop_string);
//    length -> max_tokens; tool_calls -> tool_use; content_filter -> refusal. stop_sequence
//    is the matched sequence when the request had exactly one, else null (no provider
//    reports which one matched).
//  - usage: input_tokens = prompt tokens - cached - cache writes (Anthropic counts those
//    three apart, and providers/anthropic adds them up the other way),
//    cache_read_input_tokens = cached, cache_creation_input_tokens = cache writes.
//  - tool_use input: the arguments the model produced when they are a JSON object, {} when
//    empty, else {"raw_arguments": "<the text>"} so nothing the model said is lost.
//  - A tool call the upstream gave no id gets toolu_<generation id>_<index>.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "providers/contract.h"

namespace switchyard::proxy::anthropic {

struct MessageMeta {
  std::string id;                           // gen-...
  std::string model;                        // the public model id
  std::string metadata_json;                // non-empty: routing metadata the client asked for
  std::vector<std::string> stop_sequences;  // as the request sent them
};

// Anthropic's stop_reason for a normalized finish reason ("" reads as stop).
std::string stop_reason(std::string_view finish_reason, std::string_view native_finish_reason);
// The stop_sequence value: a JSON string or null.
std::string stop_sequence_json(std::string_view stop_reason, const MessageMeta& meta);
std::string usage_json(const Usage& usage);
std::string tool_input_json(std::string_view arguments);
std::string tool_use_id(const MessageMeta& meta, const ToolCallDelta& call);
// The message object; `content_json` is the array of content blocks.
std::string message_json(const MessageMeta& meta, std::string_view content_json, std::string_view stop_reason,
                         const Usage& usage);

// A whole message from the events of a plain response (choice 0; Anthropic has no n).
class MessageCollector {
 public:
  void add(const Event& e);
  std::string to_json(const MessageMeta& meta, const Usage& usage) const;

 private:
  struct Block {
    bool is_tool = false;
    std::string text;                    // text block
    ToolCallDelta tool;                  // tool_use: id, name and the whole arguments
  };
  std::vector<Block> blocks_;            // in the order they began
  std::map<int64_t, size_t> tool_blocks_;  // tool-call index -> position in blocks_
  std::string finish_reason_, native_finish_reason_;
};

}  // namespace switchyard::proxy::anthropic
