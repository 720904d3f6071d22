// The Responses API's streamed events (SSE `event: <type>` + `data: <json>`, each with its
// `type` and a `sequence_number` counting from 0):
//   response.created, response.in_progress (snapshots with no output yet), then per item
//   message:       output_item.added, content_part.added, output_text.delta...,
//                  output_text.done, content_part.done, output_item.done
//   function_call: output_item.added (call_id, name, no arguments yet),
//                  function_call_arguments.delta..., function_call_arguments.done,
//                  output_item.done
//   and last response.completed (or response.incomplete when the output was cut short) with
//   the whole response and its usage. A failure after the first event ends the stream with
//   response.failed, whose response carries the error {code, message}, what was produced
//   (the item that was open marked incomplete) and the usage billed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "proxy/api/responses/output_items.h"
#include "proxy/api/responses/response_json.h"
#include "proxy/pipeline/response_sink.h"

namespace switchyard::proxy {

class ResponsesStreamSink final : public ResponseSink {
 public:
  explicit ResponsesStreamSink(const ChatRequest& request) : request_(request) {}
  bool streaming() const override { return true; }
  std::string start(const ResponseStart& s) override;
  std::string on_event(const Event& e) override;
  std::string finish(const ResponseEnd& end) override;

 private:
  // One SSE event: `type`, the next sequence_number, then what `fill` writes.
  template <class Fill>
  std::string event(std::string_view type, Fill fill);
  std::string snapshot_event(std::string_view type, const ResponseSnapshot& snapshot);
  std::string events_for(const std::vector<OutputStep>& steps);
  std::string item_added(size_t index);
  std::string item_done(size_t index);
  std::string delta(const OutputStep& step);

  const ChatRequest& request_;  // the pipeline keeps it alive for as long as this sink
  ResponseHead head_;
  std::optional<OutputBuilder> output_;
  int64_t sequence_ = 0;
};

}  // namespace switchyard::proxy
