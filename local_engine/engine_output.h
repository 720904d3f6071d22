// One choice's sampled tokens -> the events its handle reads: text deltas that never split
// a character or show a stop string, tool-call deltas once the model starts its calls
// (the trigger and the call text are not content), and the reason the choice ends (EOS,
// a stop string, max_tokens, a complete grammar; "tool_calls" when it made calls).
#pragma once

#include <optional>
#include <random>
#include <string>

#include "local_engine/engine_impl.h"
#include "local_engine/stop_strings.h"

namespace switchyard::engine {

class ChoiceOutput {
 public:
  ChoiceOutput(const Tokenizer& tokenizer, const RequestSpec& spec, int32_t choice);

  struct Step {
    GenerationEvent delta;  // the token, the text and tool-call pieces it releases
    std::string finish;     // "" while the choice goes on; else stop | length | tool_calls
    std::string native;     // eos | stop_string | length | grammar
  };
  // The token sampled as the choice's n_generated-th (from 1).
  Step on_token(const SampledToken& token, int32_t n_generated);
  // The choice ends for a reason outside the text (a complete grammar): releases what was
  // held back into `step`.
  void end(Step& step, const std::string& finish, const std::string& native);
  // The calls' grammar could not start after the trigger: what looked like a call is text.
  void abandon_tool_calls(Step& step);

 private:
  struct ToolCalls {
    ToolCallFormat format;
    StopMatcher trigger;  // holds back what may be the start of the trigger text
    bool open = false;    // the trigger was seen: text goes to the parser
    ToolCallParser parser;
    std::string text;     // the calls' text so far
  };
  void route(const std::string& text, Step& step);
  void content(const std::string& text, Step& step);
  void open_tool_calls(const std::string& rest, Step& step);
  void tool_text(const std::string& text, Step& step);
  std::string call_id();

  const Tokenizer* tokenizer_;
  const RequestSpec* spec_;
  StreamingDetokenizer detok_;
  StopMatcher stop_;
  std::optional<ToolCalls> tools_;
  std::mt19937_64 ids_;  // call ids: from the seed when there is one
};

}  // namespace switchyard::engine
