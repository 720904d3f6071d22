// Normalized events -> Anthropic's stream events, each framed `event: <type>\ndata: <json>\n\n`:
//   message_start   the message with empty content, stop_reason null and usage all zero
//                   (Anthropic knows the input tokens here; the pipeline knows usage only at
//                   the end, so the final counts, input included, come in message_delta,
//                   which the SDKs take as the whole message's totals);
//   content_block_start / content_block_delta / content_block_stop, one index per block:
//                   text blocks stream text_delta; a tool_use block starts with its id and
//                   name and `input: {}`, and its arguments stream as input_json_delta
//                   partial_json; a block closes when the next one starts or at the finish;
//   message_delta   stop_reason, stop_sequence and usage; then message_stop.
// A failure after the start is one `error` event in Anthropic's error shape, and the end.
// While the upstream is quiet the pipeline sends kPing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "proxy/api/anthropic/message_json.h"
#include "proxy/pipeline/response_sink.h"

namespace switchyard::proxy::anthropic {

inline constexpr const char* kPing = "event: ping\ndata: {\"type\": \"ping\"}\n\n";

// One SSE event: `event: <type>\ndata: <json>\n\n`.
std::string sse_event(std::string_view type, std::string_view json);

class StreamEncoder {
 public:
  explicit StreamEncoder(MessageMeta meta) : meta_(std::move(meta)) {}
  std::string start();
  std::string on_event(const Event& e);
  std::string finish(const ResponseEnd& end);

 private:
  std::string text(const std::string& delta);
  std::string tool_call(const ToolCallDelta& delta);
  std::string open_block(std::string_view block_json);
  std::string close_block();

  MessageMeta meta_;
  int64_t next_index_ = 0;
  std::optional<int64_t> open_;  // the block being streamed
  bool open_is_text_ = false;
  std::map<int64_t, int64_t> tool_blocks_;  // tool-call index -> block index
  std::string finish_reason_, native_finish_reason_;
};

}  // namespace switchyard::proxy::anthropic
