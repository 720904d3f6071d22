// Events for the Anthropic sink tests.
#pragma once

#include <string>

#include "providers/events.h"

namespace anthropic_events {

using namespace switchyard;

inline Event text(std::string t) {
  Event e;
  e.kind = EventKind::content;
  e.text = std::move(t);
  return e;
}
inline Event tool(int64_t index, std::string id, std::string name, std::string arguments) {
  Event e;
  e.kind = EventKind::tool_call;
  e.tool_call = ToolCallDelta{index, std::move(id), std::move(name), std::move(arguments)};
  return e;
}
inline Event finish(std::string reason, std::string native = {}) {
  Event e;
  e.kind = EventKind::finish;
  e.finish_reason = std::move(reason);
  e.native_finish_reason = std::move(native);
  return e;
}
inline Event of_kind(EventKind kind) {
  Event e;
  e.kind = kind;
  return e;
}

}  // namespace anthropic_events
