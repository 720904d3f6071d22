#include "local_engine/engine_output.h"

namespace switchyard::engine {

ChoiceOutput::ChoiceOutput(const Tokenizer& tokenizer, const RequestSpec& spec)
    : tokenizer_(&tokenizer), spec_(&spec), detok_(tokenizer, spec.strip_leading_space), stop_(spec.stop) {}

ChoiceOutput::Step ChoiceOutput::on_token(const SampledToken& st, int32_t n_generated) {
  Step step;
  step.delta.token = GeneratedToken{st.token, tokenizer_->token_to_piece(st.token), st.logprob, st.top};
  if (st.token == tokenizer_->eos_id() && !spec_->ignore_eos) {
    end(step, "stop", "eos");
    return step;
  }
  auto r = stop_.push(detok_.push(st.token));
  step.delta.text = std::move(r.text);
  if (r.stopped) {
    step.finish = "stop";
    step.native = "stop_string";
  } else if (n_generated >= spec_->max_tokens) {
    end(step, "length", "length");
  }
  return step;
}

void ChoiceOutput::end(Step& step, const std::string& finish, const std::string& native) {
  step.finish = finish;
  step.native = native;
  // Release held-back text: incomplete UTF-8 and stop-string prefixes (which may still
  // complete a stop string).
  auto r = stop_.push(detok_.flush());
  step.delta.text += r.text;
  if (r.stopped) {
    step.finish = "stop";
    step.native = "stop_string";
  } else {
    step.delta.text += stop_.flush();
  }
}

}  // namespace switchyard::engine
