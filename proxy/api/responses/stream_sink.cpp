#include "proxy/api/responses/stream_sink.h"

#include "providers/json_writer.h"

namespace switchyard::proxy {

namespace {

// The fields that place an event in the output: which item, and for a message its one part.
void write_place(JsonWriter& w, const OutputItem& item, size_t index) {
  w.field("item_id", item.id).field("output_index", static_cast<int64_t>(index));
  if (item.type == OutputItem::Type::message) w.field("content_index", int64_t{0});
}

}  // namespace

template <class Fill>
std::string ResponsesStreamSink::event(std::string_view type, Fill fill) {
  JsonWriter w;
  w.begin_object().field("type", type).field("sequence_number", sequence_++);
  fill(w);
  w.end_object();
  std::string out;
  out.append("event: ").append(type).append("\ndata: ").append(w.str()).append("\n\n");
  return out;
}

std::string ResponsesStreamSink::snapshot_event(std::string_view type, const ResponseSnapshot& snapshot) {
  return event(type, [&](JsonWriter& w) {
    w.key("response");
    write_response(w, head_, snapshot);
  });
}

std::string ResponsesStreamSink::start(const ResponseStart& s) {
  head_ = response_head(s, request_);
  output_.emplace(s.id);
  ResponseSnapshot starting;  // in_progress, no output, no usage
  std::string out = snapshot_event("response.created", starting);  // two statements: the numbers go in order
  return out + snapshot_event("response.in_progress", starting);
}

std::string ResponsesStreamSink::on_event(const Event& e) { return events_for(output_->add(e)); }

std::string ResponsesStreamSink::finish(const ResponseEnd& end) {
  ResponseUsage usage{end.usage, end.cost};
  if (end.failure) {
    output_->close(false);  // no done events: the stream is over, response.failed says how
    return snapshot_event("response.failed",
                          ResponseSnapshot{"failed", output_->items(), std::nullopt, &*end.failure, usage});
  }
  auto reason = incomplete_reason(output_->finish_reason());
  std::string out = events_for(output_->close(!reason));
  const char* status = reason ? "incomplete" : "completed";
  return out + snapshot_event(reason ? "response.incomplete" : "response.completed",
                              ResponseSnapshot{status, output_->items(), reason, nullptr, usage});
}

std::string ResponsesStreamSink::events_for(const std::vector<OutputStep>& steps) {
  std::string out;
  for (const OutputStep& step : steps) {
    switch (step.kind) {
      case OutputStep::Kind::item_added: out += item_added(step.output_index); break;
      case OutputStep::Kind::item_done: out += item_done(step.output_index); break;
      default: out += delta(step); break;
    }
  }
  return out;
}

std::string ResponsesStreamSink::item_added(size_t index) {
  const OutputItem& item = output_->items()[index];
  std::string out = event("response.output_item.added", [&](JsonWriter& w) {
    w.field("output_index", static_cast<int64_t>(index)).key("item");
    write_output_item(w, item, true);
  });
  if (item.type == OutputItem::Type::message)
    out += event("response.content_part.added", [&](JsonWriter& w) {
      write_place(w, item, index);
      w.key("part");
      write_output_text(w, "");
    });
  return out;
}

std::string ResponsesStreamSink::delta(const OutputStep& step) {
  const OutputItem& item = output_->items()[step.output_index];
  bool text = step.kind == OutputStep::Kind::text_delta;
  return event(text ? "response.output_text.delta" : "response.function_call_arguments.delta", [&](JsonWriter& w) {
    write_place(w, item, step.output_index);
    w.field("delta", step.delta);
    if (text) w.key("logprobs").begin_array().end_array();
  });
}

std::string ResponsesStreamSink::item_done(size_t index) {
  const OutputItem& item = output_->items()[index];
  std::string out;
  if (item.type == OutputItem::Type::message) {
    out += event("response.output_text.done", [&](JsonWriter& w) {
      write_place(w, item, index);
      w.field("text", item.text).key("logprobs").begin_array().end_array();
    });
    out += event("response.content_part.done", [&](JsonWriter& w) {
      write_place(w, item, index);
      w.key("part");
      write_output_text(w, item.text);
    });
  } else {
    out += event("response.function_call_arguments.done", [&](JsonWriter& w) {
      write_place(w, item, index);
      w.field("name", item.name).field("arguments", item.arguments);
    });
  }
  return out + event("response.output_item.done", [&](JsonWriter& w) {
    w.field("output_index", static_cast<int64_t>(index)).key("item");
    write_output_item(w, item);
  });
}

}  // namespace switchyard::proxy
