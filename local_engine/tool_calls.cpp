#include "local_engine/tool_calls.h"

#include "local_engine/grammar/json_schema.h"
#include "local_engine/json_text.h"

namespace switchyard::engine {

namespace {

constexpr std::string_view kHermesClose = "\n</tool_call>";
constexpr std::string_view kCallHead = "{\"name\": ";
constexpr std::string_view kArgumentsKey = ", \"arguments\": ";

}  // namespace

ToolCallFormat tool_call_format(ChatTemplateKind kind, const TemplateTokens& tokens) {
  ToolCallFormat f;
  if (kind == ChatTemplateKind::mistral) {
    f.style = ToolCallFormat::Style::mistral;
    f.trigger_text = "[TOOL_CALLS]";
    f.trigger_token = tokens.tool_calls;
  } else {
    f.style = ToolCallFormat::Style::hermes;
    f.trigger_text = "<tool_call>";
  }
  return f;
}

std::string tool_call_json(std::string_view name, std::string_view arguments) {
  return std::string(kCallHead) + json_quote(name) + std::string(kArgumentsKey) +
         std::string(arguments.empty() ? std::string_view("{}") : arguments) + "}";
}

std::string tool_calls_text(const ToolCallFormat& format, std::span<const ChatToolCall> calls) {
  std::string out;
  if (format.style == ToolCallFormat::Style::mistral) {
    out = " [";
    for (size_t i = 0; i < calls.size(); ++i) {
      std::string call = tool_call_json(calls[i].name, calls[i].arguments);
      if (!calls[i].id.empty()) call.insert(call.size() - 1, ", \"id\": " + json_quote(calls[i].id));
      out += (i ? ", " : "") + call;
    }
    return out + "]";
  }
  for (size_t i = 0; i < calls.size(); ++i)
    out += (i ? "\n<tool_call>\n" : "\n") + tool_call_json(calls[i].name, calls[i].arguments) + std::string(kHermesClose);
  return out;
}

std::string tools_json(std::span<const ToolSpec> tools) {
  std::string out = "[";
  for (size_t i = 0; i < tools.size(); ++i) {
    const ToolSpec& t = tools[i];
    out += i ? ", " : "";
    out += "{\"type\": \"function\", \"function\": {\"name\": " + json_quote(t.name);
    if (!t.description.empty()) out += ", \"description\": " + json_quote(t.description);
    out += ", \"parameters\": " + (t.parameters_json.empty() ? std::string("{}") : t.parameters_json) + "}}";
  }
  return out + "]";
}

namespace {

// One call of any of the tools: {"name": "f", "arguments": <f's schema>}
Result<int32_t> call_rule(grammar::JsonRules& j, const ToolGrammarParams& p) {
  grammar::GrammarBuilder& b = j.builder();
  const int32_t rule = b.add_rule("tool call");
  const int32_t end = b.add_state();
  b.set_accepting(end);
  for (size_t i = 0; i < p.tools.size(); ++i) {
    const ToolSpec& t = p.tools[i];
    if (!p.only.empty() && t.name != p.only) continue;
    const std::string where = p.label + "[" + std::to_string(i) + "].function.parameters";
    auto args = t.parameters_json.empty() ? Result<int32_t>(j.any_object())
                                          : grammar::compile_json_schema(t.parameters_json, j, where);
    if (!args) return std::unexpected(args.error());
    const int32_t head = b.add_literal(b.start_of(rule), std::string(kCallHead) + json_quote(t.name) + std::string(kArgumentsKey));
    const int32_t args_done = b.add_state();
    b.add_call(head, *args, args_done);
    b.add_bytes(args_done, '}', '}', end);
  }
  return rule;
}

}  // namespace

Result<grammar::Grammar> tool_call_grammar(const ToolCallFormat& f, const ToolGrammarParams& p) {
  grammar::GrammarBuilder b;
  grammar::JsonRules j(b);
  auto call = call_rule(j, p);
  if (!call) return std::unexpected(call.error());
  const int32_t root = b.add_rule("tool calls");
  int32_t at = b.start_of(root);
  if (p.with_trigger) {  // a first token's word-start space, then the trigger
    const int32_t trigger = b.add_state();
    b.add_bytes(at, ' ', ' ', trigger);
    b.add_eps(at, trigger);
    at = b.add_literal(trigger, f.trigger_text);
  }
  const bool mistral = f.style == ToolCallFormat::Style::mistral;
  const int32_t first = b.add_literal(at, mistral ? " [" : "\n");
  const int32_t called = b.add_state();
  b.add_call(first, *call, called);
  const int32_t done = mistral ? b.add_literal(called, "]") : b.add_literal(called, kHermesClose);
  b.set_accepting(done);
  if (p.parallel) {  // another call: back to `called` after it
    const int32_t next = b.add_literal(mistral ? called : done, mistral ? ", " : "\n<tool_call>\n");
    b.add_call(next, *call, called);
  }
  auto g = b.build(root);
  if (!g) return std::unexpected(Error{p.label + ": " + g.error().message});
  return g;
}

std::vector<ToolCallParser::Delta> ToolCallParser::push(std::string_view text) {
  std::vector<Delta> out;
  for (char c : text) {
    switch (state_) {
      case State::between:
        if (c == '{') {
          state_ = State::head;
          head_ = "{";
        }
        break;
      case State::head: {
        head_ += c;
        // {"name": "f", "arguments": <value starts here>
        const size_t key = head_.find(kArgumentsKey);
        if (key == std::string::npos) break;
        const size_t q1 = head_.find('"', kCallHead.size() - 1);
        const size_t q2 = q1 == std::string::npos ? q1 : head_.find('"', q1 + 1);
        Delta d{calls_++, true, q2 == std::string::npos ? std::string() : head_.substr(q1 + 1, q2 - q1 - 1), {}};
        out.push_back(std::move(d));
        state_ = State::args;
        depth_ = 0;
        in_string_ = escaped_ = false;
        break;
      }
      case State::args: args_char(c, out); break;
      case State::after_args:
        if (c == '}') state_ = State::between;
        break;
    }
  }
  return out;
}

// One character of a call's arguments value: it ends where its JSON value closes.
void ToolCallParser::args_char(char c, std::vector<Delta>& out) {
  auto emit = [&] {
    if (out.empty() || out.back().index != calls_ - 1) out.push_back(Delta{calls_ - 1, false, {}, {}});
    out.back().arguments += c;
  };
  if (in_string_) {
    emit();
    if (escaped_) escaped_ = false;
    else if (c == '\\') escaped_ = true;
    else if (c == '"') {
      in_string_ = false;
      if (depth_ == 0) state_ = State::after_args;
    }
    return;
  }
  if (depth_ == 0 && (c == '}' || c == ',')) {  // a scalar value ended with the call
    state_ = c == '}' ? State::between : State::after_args;
    return;
  }
  if (c == ' ' && depth_ == 0) return;  // nothing of the value yet
  emit();
  if (c == '"') in_string_ = true;
  else if (c == '{' || c == '[') ++depth_;
  else if ((c == '}' || c == ']') && --depth_ == 0) state_ = State::after_args;
}

}  // namespace switchyard::engine
