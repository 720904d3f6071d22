// Normalized events → the one OpenAI shape: a whole chat.completion (or text_completion)
// body, or chat.completion.chunk SSE payloads, with usage and cost (DESIGN.md §1).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "providers/contract.h"
#include "proxy/api/openai/legacy_logprobs.h"
#include "proxy/billing/money.h"

namespace switchyard::proxy {

struct ResponseMeta {
  std::string id;        // gen-...
  int64_t created = 0;   // unix seconds
  std::string model;     // the public model id that served
  std::string provider;  // the provider name that served
  bool is_completion = false;  // text_completion shape
  std::string metadata_json;   // non-empty: a `metadata` object on the body / usage chunk
};

// The OpenAI `usage` object with OpenRouter's `cost` and DeepInfra's `estimated_cost`.
std::string usage_json(const Usage& usage, billing::Picodollars cost);

// Accumulates a whole response from events (non-streaming requests).
class ResponseCollector {
 public:
  void add(const Event& e);
  std::string to_json(const ResponseMeta& meta, const Usage& usage, billing::Picodollars cost) const;

  // Per-choice accessors for the ledger and estimates.
  std::string finish_reason(int64_t choice = 0) const;
  std::string native_finish_reason(int64_t choice = 0) const;
  size_t generated_chars() const;  // content + tool-call arguments, all choices

 private:
  struct ToolCallAcc {
    std::string id, name, arguments;
  };
  struct Choice {
    std::string content;
    bool has_content = false;
    std::map<int64_t, ToolCallAcc> tool_calls;  // by tool-call index
    std::vector<std::string> logprob_items;     // minified elements of logprobs.content
    LegacyLogprobs legacy_logprobs;             // the same positions, for text_completion
    bool has_logprobs = false;
    std::string finish_reason, native_finish_reason;
  };
  std::map<int64_t, Choice> choices_;
};

// One SSE `data:` payload (without the framing) for one event; empty for events that
// produce no chunk (usage, error: those have their own).
std::string chunk_json(const ResponseMeta& meta, const Event& e);
// The final chunk: `choices: []` with usage.
std::string usage_chunk_json(const ResponseMeta& meta, const Usage& usage, billing::Picodollars cost);
// The in-stream error chunk: error{code,message} and finish_reason "error".
std::string error_chunk_json(const ResponseMeta& meta, const Error& error);

}  // namespace switchyard::proxy
