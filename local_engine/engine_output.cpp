#include "local_engine/engine_output.h"

namespace switchyard::engine {

namespace {

uint64_t id_seed(const RequestSpec& spec, int32_t choice) {
  if (spec.sampling.seed) return *spec.sampling.seed * 0x9E3779B97F4A7C15ull + uint64_t(choice) + 1;
  return (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
}

}  // namespace

ChoiceOutput::ChoiceOutput(const Tokenizer& tokenizer, const RequestSpec& spec, int32_t choice)
    : tokenizer_(&tokenizer),
      spec_(&spec),
      detok_(tokenizer, spec.strip_leading_space),
      stop_(spec.stop),
      ids_(id_seed(spec, choice)) {
  if (spec.constraint && spec.constraint->tool_calls) {
    const ToolCallFormat& f = *spec.constraint->tool_calls;
    // A trigger that is one token is seen as that token; otherwise in the text.
    tools_.emplace(ToolCalls{f, StopMatcher(f.trigger_token >= 0 ? std::vector<std::string>{} : std::vector{f.trigger_text}),
                             false, {}, {}});
  }
}

ChoiceOutput::Step ChoiceOutput::on_token(const SampledToken& st, int32_t n_generated) {
  Step step;
  step.delta.token = GeneratedToken{st.token, tokenizer_->token_to_piece(st.token), st.logprob, st.top};
  if (st.token == tokenizer_->eos_id() && !spec_->ignore_eos) {
    end(step, "stop", "eos");
    return step;
  }
  if (tools_ && !tools_->open && st.token == tools_->format.trigger_token) open_tool_calls("", step);
  route(detok_.push(st.token), step);
  if (step.finish.empty() && n_generated >= spec_->max_tokens) end(step, "length", "length");
  return step;
}

// Text goes to the calls once they started; before, through the trigger watch to content.
void ChoiceOutput::route(const std::string& text, Step& step) {
  if (tools_ && tools_->open) return tool_text(text, step);
  if (!tools_) return content(text, step);
  StopMatcher::Output r = tools_->trigger.push(text);
  content(r.text, step);
  if (r.stopped && step.finish.empty()) open_tool_calls(r.rest, step);
}

void ChoiceOutput::content(const std::string& text, Step& step) {
  if (!step.finish.empty()) return;
  StopMatcher::Output r = stop_.push(text);
  step.delta.text += r.text;
  if (r.stopped) {
    step.finish = "stop";
    step.native = "stop_string";
  }
}

void ChoiceOutput::open_tool_calls(const std::string& rest, Step& step) {
  step.delta.text += stop_.flush();  // the content is over: a held stop-string prefix was text
  tools_->open = true;
  tool_text(rest, step);
}

void ChoiceOutput::tool_text(const std::string& text, Step& step) {
  tools_->text += text;
  for (ToolCallParser::Delta& d : tools_->parser.push(text)) {
    ToolCallDelta out{d.index, d.starts ? call_id() : "", std::move(d.name), std::move(d.arguments)};
    step.delta.tool_calls.push_back(std::move(out));
  }
}

std::string ChoiceOutput::call_id() {
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string id = "call_";
  for (int i = 0; i < 24; ++i) id += alphabet[ids_() % 62];
  return id;
}

void ChoiceOutput::end(Step& step, const std::string& finish, const std::string& native) {
  step.finish = finish;
  step.native = native;
  // Release held-back text: incomplete UTF-8, a trigger or stop-string prefix (which may
  // still complete a stop string).
  const std::string tail = detok_.flush();
  if (tools_ && tools_->open) {
    tool_text(tail, step);
  } else {
    std::string text = tail;
    if (tools_) text = tools_->trigger.push(tail).text + tools_->trigger.flush();
    StopMatcher::Output r = stop_.push(text);
    step.delta.text += r.text;
    if (r.stopped) {
      step.finish = "stop";
      step.native = "stop_string";
    } else {
      step.delta.text += stop_.flush();
    }
  }
  if (step.finish == "stop" && tools_ && tools_->parser.calls() > 0) step.finish = "tool_calls";
}

void ChoiceOutput::abandon_tool_calls(Step& step) {
  if (!tools_ || !tools_->open) return;
  const std::string text = (tools_->format.trigger_token >= 0 ? "" : tools_->format.trigger_text) + tools_->text;
  tools_.reset();
  content(text, step);
}

}  // namespace switchyard::engine
