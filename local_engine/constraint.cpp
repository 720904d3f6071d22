#include "local_engine/constraint.h"

#include <algorithm>
#include <functional>

#include "local_engine/grammar/json_schema.h"

namespace switchyard::engine {

ConstraintCompiler::ConstraintCompiler(const Tokenizer& tokenizer, ChatTemplateKind kind)
    : tokenizer_(tokenizer), format_(tool_call_format(kind, TemplateTokens::from(tokenizer))) {}

bool ConstraintCompiler::shows_tools(const GenerationRequest& r) {
  return !r.tools.empty() && r.tool_choice != ToolChoice::none;
}

Result<std::shared_ptr<CompiledGrammar>> ConstraintCompiler::cached(const std::string& key,
                                                                   const std::function<Result<grammar::Grammar>()>& build) {
  {
    std::lock_guard lk(mu_);
    auto it = std::find_if(lru_.begin(), lru_.end(), [&](const auto& e) { return e.first == key; });
    if (it != lru_.end()) {
      lru_.splice(lru_.begin(), lru_, it);
      return it->second;
    }
  }
  auto g = build();  // outside the lock: a big schema must not hold up other submits
  if (!g) return std::unexpected(g.error());
  std::lock_guard lk(mu_);
  if (!vocab_) vocab_ = std::make_shared<const grammar::VocabIndex>(tokenizer_);
  auto compiled = std::make_shared<CompiledGrammar>();
  compiled->grammar = std::make_shared<const grammar::Grammar>(std::move(*g));
  compiled->masks = std::make_shared<grammar::MaskCache>(compiled->grammar, vocab_);
  lru_.emplace_front(key, compiled);
  if (lru_.size() > kMaxGrammars) lru_.pop_back();
  return compiled;
}

Result<std::shared_ptr<const OutputConstraint>> ConstraintCompiler::compile(const GenerationRequest& r) {
  const bool forced = r.tool_choice == ToolChoice::required || r.tool_choice == ToolChoice::function;
  if (r.tools.empty() && forced) return std::unexpected(Error{"tool_choice: a tool call was asked for but there are no tools"});
  // tool_choice auto with a response_format: the format wins (the output is that JSON).
  const bool calls = shows_tools(r) && (forced || r.response_format.kind == ResponseFormat::Kind::text);
  return calls ? tools_constraint(r) : format_constraint(r);
}

Result<std::shared_ptr<const OutputConstraint>> ConstraintCompiler::format_constraint(const GenerationRequest& r) {
  auto c = std::make_shared<OutputConstraint>();
  if (r.tool_choice == ToolChoice::none && !r.tools.empty() && format_.trigger_token >= 0) {
    c->free_bits.assign((size_t(tokenizer_.n_vocab()) + 63) / 64, ~uint64_t{0});
    c->free_bits[size_t(format_.trigger_token) / 64] &= ~(uint64_t{1} << (format_.trigger_token % 64));
  }
  const ResponseFormat& f = r.response_format;
  if (f.kind == ResponseFormat::Kind::json_object) {
    auto g = cached("json_object", [] { return grammar::json_object_grammar(); });
    if (!g) return std::unexpected(g.error());
    c->grammar = *g;
  } else if (f.kind == ResponseFormat::Kind::json_schema) {
    auto g = cached("json_schema " + f.schema_json,
                    [&] { return grammar::json_schema_grammar(f.schema_json, "response_format.json_schema.schema"); });
    if (!g) return std::unexpected(g.error());
    c->grammar = *g;
  }
  if (!c->grammar && c->free_bits.empty()) return std::shared_ptr<const OutputConstraint>();
  return std::shared_ptr<const OutputConstraint>(std::move(c));
}

Result<std::shared_ptr<const OutputConstraint>> ConstraintCompiler::tools_constraint(const GenerationRequest& r) {
  const bool forced = r.tool_choice == ToolChoice::required || r.tool_choice == ToolChoice::function;
  if (r.tool_choice == ToolChoice::function &&
      std::none_of(r.tools.begin(), r.tools.end(), [&](const ToolSpec& t) { return t.name == r.tool_choice_function; }))
    return std::unexpected(Error{"tool_choice: function '" + r.tool_choice_function + "' is not one of the tools"});
  ToolGrammarParams p;
  p.tools = r.tools;
  p.only = r.tool_choice == ToolChoice::function ? r.tool_choice_function : "";
  p.parallel = r.parallel_tool_calls;
  p.with_trigger = forced && format_.trigger_token < 0;
  p.label = "tools";
  // The key: everything the grammar is made of.
  std::string key = "tools " + p.only + (p.parallel ? " parallel" : " single") + (p.with_trigger ? " trigger" : "");
  for (const ToolSpec& t : r.tools) key += "\n" + t.name + "\n" + t.parameters_json;
  auto g = cached(key, [&] { return tool_call_grammar(format_, p); });
  if (!g) return std::unexpected(g.error());
  auto c = std::make_shared<OutputConstraint>();
  c->grammar = *g;
  c->tool_calls = format_;
  if (forced) {
    c->force_first = format_.trigger_token;
  } else {
    c->lazy = true;
    c->trigger_token = format_.trigger_token;
    if (format_.trigger_token < 0) c->trigger_text = format_.trigger_text;
  }
  return std::shared_ptr<const OutputConstraint>(std::move(c));
}

}  // namespace switchyard::engine
