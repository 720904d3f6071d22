#include "providers/contract.h"

#include <algorithm>

namespace switchyard {

Result<int64_t> Provider::count_prompt_tokens(const OpenParams& params) {
  std::string who = params.provider ? "provider '" + params.provider->name + "'" : "this provider";
  return fail(ErrorKind::invalid_argument, "Token counting is not available: " + who + " does not expose its tokenizer");
}

bool ChatRequest::sent(const std::string& parameter) const {
  return std::find(parameters_sent.begin(), parameters_sent.end(), parameter) != parameters_sent.end();
}

std::string normalize_finish_reason(const std::string& native) {
  if (native.empty()) return "";
  if (native == "stop" || native == "end_turn" || native == "stop_sequence" || native == "eos" ||
      native == "COMPLETE" || native == "STOP")
    return "stop";
  if (native == "length" || native == "max_tokens" || native == "model_length" || native == "MAX_TOKENS")
    return "length";
  if (native == "tool_calls" || native == "tool_use" || native == "function_call") return "tool_calls";
  if (native == "content_filter" || native == "SAFETY" || native == "RECITATION" || native == "refusal")
    return "content_filter";
  if (native == "error") return "error";
  return "stop";
}

}  // namespace switchyard
