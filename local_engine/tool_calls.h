// Tool calls in each model family's own format: the text of a call (so an assistant's
// earlier calls render as the model writes them), the grammar that forces a call or keeps
// one well formed once the model starts it, and the parser that turns the model's call
// text into tool-call deltas.
//
//   Mistral:           [TOOL_CALLS] [{"name": "f", "arguments": {...}}, {"name": ...}]
//   Hermes and vicuna: <tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>
//                      (several calls: blocks one after another, "\n" between)
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "local_engine/chat_template.h"
#include "local_engine/grammar/grammar.h"

namespace switchyard::engine {

struct ToolCallFormat {
  enum class Style { mistral, hermes };
  Style style = Style::hermes;
  std::string trigger_text;    // what starts the calls: "[TOOL_CALLS]" or "<tool_call>"
  int32_t trigger_token = -1;  // the trigger as one control token, when the vocab has it
};
ToolCallFormat tool_call_format(ChatTemplateKind kind, const TemplateTokens& tokens);

// {"name": "f", "arguments": ARGS}: the form the grammar forces.
std::string tool_call_json(std::string_view name, std::string_view arguments);
// The calls after the trigger, as the family writes them (Mistral: a list with ids).
std::string tool_calls_text(const ToolCallFormat& format, std::span<const ChatToolCall> calls);
// [{"type": "function", "function": {"name": ..., "description": ..., "parameters": ...}}]
std::string tools_json(std::span<const ToolSpec> tools);

struct ToolGrammarParams {
  std::span<const ToolSpec> tools;
  std::string only;          // non-empty: the one function tool_choice names
  bool parallel = true;      // false: exactly one call
  bool with_trigger = true;  // starts with the trigger text (false: it was a token, or lazy)
  std::string label;         // prefix of errors ("tools")
};
// The calls section: one or more calls of the given tools, each call's arguments valid
// under that tool's parameter schema.
Result<grammar::Grammar> tool_call_grammar(const ToolCallFormat& format, const ToolGrammarParams& params);

// The model's text after the trigger -> calls as they appear: a call's name as soon as it
// is complete, then its arguments piece by piece.
class ToolCallParser {
 public:
  struct Delta {
    int32_t index = 0;
    bool starts = false;    // the first delta of call `index` (carries the name)
    std::string name;
    std::string arguments;  // a fragment
  };
  std::vector<Delta> push(std::string_view text);
  int32_t calls() const { return calls_; }  // calls started

 private:
  enum class State { between, head, args, after_args };
  void args_char(char c, std::vector<Delta>& out);

  State state_ = State::between;
  std::string head_;  // a call's text up to its arguments
  int depth_ = 0;     // nesting inside the arguments value
  bool in_string_ = false, escaped_ = false;
  int32_t calls_ = 0;
};

}  // namespace switchyard::engine
