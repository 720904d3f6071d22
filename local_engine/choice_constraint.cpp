#include "local_engine/choice_constraint.h"

namespace switchyard::engine {

ChoiceConstraint::ChoiceConstraint(std::shared_ptr<const OutputConstraint> constraint, int32_t eos_id)
    : c_(std::move(constraint)), eos_(eos_id) {
  if (!c_ || !c_->grammar) return;
  if (c_->lazy) phase_ = Phase::waiting;
  else if (c_->force_first >= 0) phase_ = Phase::forcing;
  else activate("");
}

std::span<const uint64_t> ChoiceConstraint::allowed() {
  switch (phase_) {
    case Phase::free:
    case Phase::waiting:
      if (!c_) return {};
      return c_->free_bits;
    case Phase::forcing:
      bits_.reset(c_->grammar->masks->vocab_size());
      bits_.set(c_->force_first);
      return bits_.words;
    case Phase::active:
      c_->grammar->masks->allowed(*matcher_, bits_);
      if (matcher_->can_end()) bits_.set(eos_);
      return bits_.words;
  }
  return {};
}

ChoiceConstraint::Fed ChoiceConstraint::activate(std::string_view rest) {
  matcher_ = std::make_unique<grammar::Matcher>(c_->grammar->grammar);
  phase_ = Phase::active;
  if (!matcher_->accept(rest)) {
    phase_ = Phase::free;
    return Fed::abandoned;
  }
  return Fed::ok;
}

ChoiceConstraint::Fed ChoiceConstraint::feed(int32_t token, std::string_view piece) {
  switch (phase_) {
    case Phase::free: return Fed::ok;
    case Phase::forcing: return activate("");  // the forced token was the trigger
    case Phase::waiting: {
      if (token == c_->trigger_token) return activate("");
      if (c_->trigger_text.empty()) return Fed::ok;
      recent_ += piece;
      const size_t at = recent_.find(c_->trigger_text);
      if (at != std::string::npos) return activate(std::string_view(recent_).substr(at + c_->trigger_text.size()));
      const size_t keep = c_->trigger_text.size() - 1;  // a trigger may still end in the next piece
      if (recent_.size() > keep) recent_.erase(0, recent_.size() - keep);
      return Fed::ok;
    }
    case Phase::active:
      if (token == eos_) return Fed::finished;  // allowed only where the grammar may end
      if (!matcher_->accept(piece)) return Fed::rejected;
      return matcher_->finished() ? Fed::finished : Fed::ok;
  }
  return Fed::ok;
}

}  // namespace switchyard::engine
