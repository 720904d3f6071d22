// What a request's output must look like, decided at submit and shared by its choices:
// JSON (response_format), a tool call forced from the first token (tool_choice required or
// a function), a tool call kept well formed once the model starts one (tool_choice auto:
// the grammar waits for the trigger), or free text with the tool-call trigger banned
// (tool_choice none).
//
// Compiled grammars are cached per engine by what they were made from, with their token
// masks: a schema sent again costs neither a compile nor the first walks.
#pragma once

#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "local_engine/engine.h"
#include "local_engine/grammar/token_mask.h"
#include "local_engine/tool_calls.h"

namespace switchyard::engine {

struct CompiledGrammar {
  std::shared_ptr<const grammar::Grammar> grammar;
  std::shared_ptr<grammar::MaskCache> masks;  // the scheduler thread's only
};

struct OutputConstraint {
  std::shared_ptr<CompiledGrammar> grammar;  // null: free text
  bool lazy = false;                         // the grammar starts at the trigger
  int32_t force_first = -1;                  // a token that must come first (the trigger token)
  int32_t trigger_token = -1;                // lazy: the grammar starts after this token ...
  std::string trigger_text;                  // ... or after this text
  std::vector<uint64_t> free_bits;           // without a grammar: every token but the banned ones (empty: no ban)
  std::optional<ToolCallFormat> tool_calls;  // the output is parsed for calls in this format
};

class ConstraintCompiler {
 public:
  ConstraintCompiler(const Tokenizer& tokenizer, ChatTemplateKind kind);

  // The constraint for a request (null when its output is free); errors name what in the
  // request is wrong (an unsupported schema keyword, an unknown tool).
  Result<std::shared_ptr<const OutputConstraint>> compile(const GenerationRequest& request);
  // Whether the prompt shows the request's tools.
  static bool shows_tools(const GenerationRequest& request);

 private:
  Result<std::shared_ptr<CompiledGrammar>> cached(const std::string& key, const std::function<Result<grammar::Grammar>()>& build);
  Result<std::shared_ptr<const OutputConstraint>> tools_constraint(const GenerationRequest& r);
  Result<std::shared_ptr<const OutputConstraint>> format_constraint(const GenerationRequest& r);

  const Tokenizer& tokenizer_;
  const ToolCallFormat format_;
  std::mutex mu_;  // submit runs on callers' threads
  std::shared_ptr<const grammar::VocabIndex> vocab_;  // made on first use
  std::list<std::pair<std::string, std::shared_ptr<CompiledGrammar>>> lru_;  // most recent first
  static constexpr size_t kMaxGrammars = 16;  // with at most 32 MB of masks each
};

}  // namespace switchyard::engine
