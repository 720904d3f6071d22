// Normalized events -> the Responses `output` list: a message item for each run of text,
// a function_call item for each tool call, in the order the stream makes them. The plain
// sink keeps only the items; the streaming sink turns each OutputStep into its events.
//
// Items are sequential: a new item closes the one before it (its output_item.done goes
// out). A tool-call fragment for a call whose item has already closed (an upstream that
// interleaves parallel calls) still joins that item, so the final response is whole.
// Only choice 0 is read: the Responses API has no `n`.
//
// Ids come from the generation id (gen-<unix>-<random>) by swapping its prefix: the
// response is resp_<unix>-<random>, its items msg_<unix>-<random>_<output index> and
// fc_<unix>-<random>_<output index>; a tool call the upstream gave no id gets
// call_<unix>-<random>_<output index>. So every id is unique and leads back to the
// generation (and its usage row) by its suffix.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "providers/contract.h"

namespace switchyard::proxy {

// "gen-<rest>" -> "<prefix><rest>" (any other id keeps its whole text after the prefix).
std::string id_from_generation(std::string_view prefix, std::string_view generation_id);

struct OutputItem {
  enum class Type { message, function_call };
  enum class Status { in_progress, completed, incomplete };
  Type type = Type::message;
  Status status = Status::in_progress;
  std::string id;                        // msg_... | fc_...
  std::string text;                      // message: its one output_text part
  std::string call_id, name, arguments;  // function_call
  int64_t tool_index = -1;               // function_call: the events' tool-call index
};
const char* status_name(OutputItem::Status status);

// One change to the output, in stream order.
struct OutputStep {
  enum class Kind { item_added, text_delta, arguments_delta, item_done };
  Kind kind = Kind::item_added;
  size_t output_index = 0;
  std::string delta;  // text_delta, arguments_delta
};

class OutputBuilder {
 public:
  explicit OutputBuilder(std::string generation_id) : generation_id_(std::move(generation_id)) {}
  // Content, tool-call and finish events change the output; others change nothing.
  std::vector<OutputStep> add(const Event& e);
  // The stream is over: the open item closes, incomplete when `complete` is false.
  std::vector<OutputStep> close(bool complete);

  const std::vector<OutputItem>& items() const { return items_; }
  const std::string& finish_reason() const { return finish_reason_; }

 private:
  void open_item(OutputItem item, std::vector<OutputStep>& steps);
  void close_open(OutputItem::Status status, std::vector<OutputStep>& steps);
  void add_text(const std::string& text, std::vector<OutputStep>& steps);
  void add_tool_call(const ToolCallDelta& delta, std::vector<OutputStep>& steps);

  std::string generation_id_;
  std::vector<OutputItem> items_;
  std::optional<size_t> open_;  // index of the item still receiving deltas
  std::string finish_reason_;
};

// finish_reason -> the Responses incomplete_details.reason ("max_output_tokens",
// "content_filter"), or nothing for a complete response.
std::optional<std::string> incomplete_reason(const std::string& finish_reason);

}  // namespace switchyard::proxy
