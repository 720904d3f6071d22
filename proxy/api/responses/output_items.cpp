#include "proxy/api/responses/output_items.h"

namespace switchyard::proxy {

std::string id_from_generation(std::string_view prefix, std::string_view generation_id) {
  constexpr std::string_view kGeneration = "gen-";
  if (generation_id.starts_with(kGeneration)) generation_id.remove_prefix(kGeneration.size());
  std::string id(prefix);
  id.append(generation_id);
  return id;
}

const char* status_name(OutputItem::Status status) {
  switch (status) {
    case OutputItem::Status::in_progress: return "in_progress";
    case OutputItem::Status::completed: return "completed";
    case OutputItem::Status::incomplete: return "incomplete";
  }
  return "in_progress";
}

std::vector<OutputStep> OutputBuilder::add(const Event& e) {
  std::vector<OutputStep> steps;
  if (e.choice_index != 0) return steps;
  switch (e.kind) {
    case EventKind::content: add_text(e.text, steps); break;
    case EventKind::tool_call: add_tool_call(e.tool_call, steps); break;
    case EventKind::finish: finish_reason_ = e.finish_reason; break;
    default: break;
  }
  return steps;
}

std::vector<OutputStep> OutputBuilder::close(bool complete) {
  std::vector<OutputStep> steps;
  close_open(complete ? OutputItem::Status::completed : OutputItem::Status::incomplete, steps);
  return steps;
}

void OutputBuilder::open_item(OutputItem item, std::vector<OutputStep>& steps) {
  close_open(OutputItem::Status::completed, steps);
  std::string suffix(1, '_');  // appended, not "_" + ...: that trips a GCC 12 -Wrestrict false positive
  suffix += std::to_string(items_.size());
  const char* prefix = item.type == OutputItem::Type::message ? "msg_" : "fc_";
  item.id = id_from_generation(prefix, generation_id_) + suffix;
  if (item.type == OutputItem::Type::function_call && item.call_id.empty())
    item.call_id = id_from_generation("call_", generation_id_) + suffix;
  open_ = items_.size();
  items_.push_back(std::move(item));
  steps.push_back({OutputStep::Kind::item_added, *open_, {}});
}

void OutputBuilder::close_open(OutputItem::Status status, std::vector<OutputStep>& steps) {
  if (!open_) return;
  items_[*open_].status = status;
  steps.push_back({OutputStep::Kind::item_done, *open_, {}});
  open_.reset();
}

void OutputBuilder::add_text(const std::string& text, std::vector<OutputStep>& steps) {
  if (text.empty()) return;
  if (!open_ || items_[*open_].type != OutputItem::Type::message) open_item(OutputItem{}, steps);
  items_[*open_].text += text;
  steps.push_back({OutputStep::Kind::text_delta, *open_, text});
}

void OutputBuilder::add_tool_call(const ToolCallDelta& delta, std::vector<OutputStep>& steps) {
  size_t index = items_.size();
  for (size_t i = items_.size(); i-- > 0;)
    if (items_[i].type == OutputItem::Type::function_call && items_[i].tool_index == delta.index) {
      index = i;
      break;
    }
  if (index == items_.size()) {
    OutputItem call;
    call.type = OutputItem::Type::function_call;
    call.tool_index = delta.index;
    call.call_id = delta.id;
    call.name = delta.name;
    open_item(std::move(call), steps);
  } else {
    items_[index].name += delta.name;  // a name may come in fragments, like the arguments
  }
  if (delta.arguments.empty()) return;
  items_[index].arguments += delta.arguments;
  steps.push_back({OutputStep::Kind::arguments_delta, index, delta.arguments});
}

std::optional<std::string> incomplete_reason(const std::string& finish_reason) {
  if (finish_reason == "length") return "max_output_tokens";
  if (finish_reason == "content_filter") return "content_filter";
  return std::nullopt;
}

}  // namespace switchyard::proxy
