// Vicuna (WizardLM-2), Mistral and ChatML (Hermes) prompts, tools included.
#include "local_engine/chat_render.h"

#include "local_engine/json_text.h"
#include "local_engine/tool_calls.h"

namespace switchyard::engine {

namespace {

enum class Turn { system, user, assistant, tool };

Turn turn_of(const std::string& role) {
  if (role == "system" || role == "developer") return Turn::system;
  if (role == "assistant") return Turn::assistant;
  if (role == "tool") return Turn::tool;
  return Turn::user;
}

class Out {
 public:
  void text(std::string_view s) {
    if (s.empty()) return;
    if (!segs_.empty() && !segs_.back().is_token()) segs_.back().text += s;
    else segs_.push_back(Segment::of_text(std::string(s)));
  }
  // A special token, or its text when the vocab lacks it.
  void special(int32_t id, std::string_view fallback_text) {
    if (id >= 0) segs_.push_back(Segment::of_token(id));
    else text(fallback_text);
  }
  bool ends_with_token() const { return !segs_.empty() && segs_.back().is_token(); }
  bool empty() const { return segs_.empty(); }
  std::vector<Segment> take() { return std::move(segs_); }

 private:
  std::vector<Segment> segs_;
};

std::string joined_system(std::span<const ChatMessage> messages, bool* any) {
  std::string s;
  *any = false;
  for (const auto& m : messages) {
    if (turn_of(m.role) != Turn::system) continue;
    if (*any) s += "\n\n";
    s += m.content;
    *any = true;
  }
  return s;
}

bool last_is_assistant(std::span<const ChatMessage> messages) {
  for (size_t i = messages.size(); i > 0; --i) {
    const Turn t = turn_of(messages[i - 1].role);
    if (t == Turn::system) continue;
    return t == Turn::assistant;
  }
  return false;
}

// Index of the last non-system message (messages.size() when none).
size_t last_turn(std::span<const ChatMessage> messages) {
  size_t last = messages.size();
  for (size_t i = 0; i < messages.size(); ++i)
    if (turn_of(messages[i].role) != Turn::system) last = i;
  return last;
}

// An assistant message with its calls in the Hermes form (vicuna, ChatML).
std::string hermes_assistant(const ChatMessage& m, const ToolCallFormat& f) {
  if (m.tool_calls.empty()) return m.content;
  return m.content + (m.content.empty() ? "" : "\n") + f.trigger_text + tool_calls_text(f, m.tool_calls);
}

std::string tool_response(const ChatMessage& m) { return "<tool_response>\n" + m.content + "\n</tool_response>"; }

std::string vicuna_tools_preamble(std::span<const ToolSpec> tools) {
  return "\n\nYou can call these functions (each with a JSON Schema of its arguments):\n" + tools_json(tools) +
         "\nTo call one or more of them, answer with one block per call, exactly:\n<tool_call>\n"
         "{\"name\": \"<function name>\", \"arguments\": <the arguments as a JSON object>}\n</tool_call>\n"
         "and nothing else. Each result comes back in <tool_response></tool_response>.";
}

std::string hermes_tools_preamble(std::span<const ToolSpec> tools) {
  return "You may call one or more functions to help with the request. The functions are listed as JSON within "
         "<tools></tools>:\n<tools>\n" + tools_json(tools) +
         "\n</tools>\nFor each call, return a JSON object with the function's name and arguments within "
         "<tool_call></tool_call>:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>";
}

}  // namespace

// WizardLM-2 / Vicuna v1.1:
// "{system} USER: {user} ASSISTANT: {assistant}</s>USER: {user} ASSISTANT:"
// All system messages are joined and lead; the default system line is used when none.
// Tools: a preamble after the system text; results: a user turn of <tool_response>s.
std::vector<Segment> render_vicuna(std::span<const ChatMessage> messages, const RenderParams& p) {
  Out out;
  const ToolCallFormat format = tool_call_format(ChatTemplateKind::vicuna, p.tokens);
  bool any_system = false;
  const std::string system = joined_system(messages, &any_system);
  out.text(any_system ? std::string_view(system) : kVicunaDefaultSystem);
  if (!p.tools.empty()) out.text(vicuna_tools_preamble(p.tools));
  auto sep = [&] {
    if (!out.empty() && !out.ends_with_token()) out.text(" ");
  };
  const bool open_last = last_is_assistant(messages);
  const size_t last = last_turn(messages);
  Turn previous = Turn::system;
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    const Turn t = turn_of(m.role);
    if (t == Turn::system) continue;
    if (t == Turn::tool && previous == Turn::tool) {
      out.text("\n" + tool_response(m));  // consecutive results share one user turn
      continue;
    }
    previous = t;
    sep();
    if (t == Turn::assistant) {
      out.text("ASSISTANT: ");
      out.text(hermes_assistant(m, format));
      if (!(open_last && i == last)) out.special(p.tokens.eos, "</s>");
      continue;
    }
    out.text("USER: ");
    out.text(t == Turn::tool ? tool_response(m) : m.content);
  }
  if (p.add_generation_prompt && !open_last) {
    sep();
    out.text("ASSISTANT:");
  }
  return out.take();
}

namespace {

void mistral_tools(Out& out, const RenderParams& p) {
  out.special(p.tokens.available_tools, "[AVAILABLE_TOOLS]");
  out.text(" " + tools_json(p.tools));
  out.special(p.tokens.available_tools_end, "[/AVAILABLE_TOOLS]");
}

void mistral_result(Out& out, const ChatMessage& m, const RenderParams& p) {
  out.special(p.tokens.tool_results, "[TOOL_RESULTS]");
  std::string body = " {\"content\": " + json_quote(m.content);
  if (!m.tool_call_id.empty()) body += ", \"call_id\": " + json_quote(m.tool_call_id);
  out.text(body + "}");
  out.special(p.tokens.tool_results_end, "[/TOOL_RESULTS]");
}

void mistral_assistant(Out& out, const ChatMessage& m, const RenderParams& p) {
  out.text(m.content);
  if (m.tool_calls.empty()) return;
  const ToolCallFormat f = tool_call_format(ChatTemplateKind::mistral, p.tokens);
  out.special(f.trigger_token, f.trigger_text);
  out.text(tool_calls_text(f, m.tool_calls));
}

size_t last_user(std::span<const ChatMessage> messages) {
  size_t last = messages.size();
  for (size_t i = 0; i < messages.size(); ++i)
    if (turn_of(messages[i].role) == Turn::user) last = i;
  return last;
}

}  // namespace

// Mistral / Mixtral instruct: "[INST] {user} [/INST]{assistant}</s>[INST] {user} [/INST]";
// the system text is prepended to the first user turn ("{system}\n\n{user}"). Tools (v3):
// [AVAILABLE_TOOLS] before the last user turn, calls after [TOOL_CALLS], results in
// [TOOL_RESULTS] blocks.
std::vector<Segment> render_mistral(std::span<const ChatMessage> messages, const RenderParams& p) {
  Out out;
  bool any_system = false;
  std::string system = joined_system(messages, &any_system);
  const bool open_last = last_is_assistant(messages);
  const size_t last = last_turn(messages), tools_before = last_user(messages);
  bool system_pending = any_system;
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    const Turn t = turn_of(m.role);
    if (t == Turn::system) continue;
    if (t == Turn::tool) {
      mistral_result(out, m, p);
      continue;
    }
    if (t == Turn::assistant) {
      mistral_assistant(out, m, p);
      if (!(open_last && i == last)) out.special(p.tokens.eos, "</s>");
      continue;
    }
    if (i == tools_before && !p.tools.empty()) mistral_tools(out, p);
    out.text("[INST] ");
    if (system_pending) {
      out.text(system);
      out.text("\n\n");
      system_pending = false;
    }
    out.text(m.content);
    out.text(" [/INST]");
  }
  if (system_pending) {  // system but no user turn: it becomes the instruction
    if (!p.tools.empty()) mistral_tools(out, p);
    out.text("[INST] ");
    out.text(system);
    out.text(" [/INST]");
  }
  return out.take();  // the prompt already ends with "[/INST]" (or a result): nothing to add
}

// ChatML: "<|im_start|>{role}\n{content}<|im_end|>\n" ... "<|im_start|>assistant\n".
// Tools (Hermes): their list in the (first) system turn, calls as <tool_call> blocks,
// results in a "tool" turn of <tool_response>s.
std::vector<Segment> render_chatml(std::span<const ChatMessage> messages, const RenderParams& p) {
  Out out;
  const ToolCallFormat format = tool_call_format(ChatTemplateKind::chatml, p.tokens);
  const bool open_last = last_is_assistant(messages);
  const size_t last = last_turn(messages);
  bool tools_pending = !p.tools.empty();
  auto turn = [&](std::string_view role, const std::string& content, bool close) {
    out.special(p.tokens.im_start, "<|im_start|>");
    out.text(std::string(role) + "\n" + content);
    if (!close) return;
    out.special(p.tokens.im_end, "<|im_end|>");
    out.text("\n");
  };
  if (tools_pending && (messages.empty() || turn_of(messages[0].role) != Turn::system)) {
    turn("system", hermes_tools_preamble(p.tools), true);
    tools_pending = false;
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    const Turn t = turn_of(m.role);
    const bool close = !(open_last && i == last);
    if (t == Turn::system) {
      turn("system", tools_pending ? m.content + "\n\n" + hermes_tools_preamble(p.tools) : m.content, true);
      tools_pending = false;
    } else if (t == Turn::tool) {
      turn("tool", tool_response(m), true);
    } else {
      turn(t == Turn::user ? "user" : "assistant", t == Turn::user ? m.content : hermes_assistant(m, format), close);
    }
    if (!close) break;
  }
  if (p.add_generation_prompt && !open_last) {
    out.special(p.tokens.im_start, "<|im_start|>");
    out.text("assistant\n");
  }
  return out.take();
}

}  // namespace switchyard::engine
