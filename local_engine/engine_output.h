// One choice's sampled tokens -> the events its handle reads: text deltas that never split
// a character or show a stop string, and the reason the choice ends (EOS, a stop string,
// max_tokens).
#pragma once

#include <string>

#include "local_engine/engine_impl.h"
#include "local_engine/stop_strings.h"

namespace switchyard::engine {

class ChoiceOutput {
 public:
  ChoiceOutput(const Tokenizer& tokenizer, const RequestSpec& spec);

  struct Step {
    GenerationEvent delta;  // the token and the text it releases
    std::string finish;     // "" while the choice goes on; else stop | length
    std::string native;     // eos | stop_string | length
  };
  // The token sampled as the choice's n_generated-th (from 1).
  Step on_token(const SampledToken& token, int32_t n_generated);
  // The choice ends for a reason outside the text (a completed grammar): releases what was
  // held back into `step`.
  void end(Step& step, const std::string& finish, const std::string& native);

 private:
  const Tokenizer* tokenizer_;
  const RequestSpec* spec_;
  StreamingDetokenizer detok_;
  StopMatcher stop_;
};

}  // namespace switchyard::engine
