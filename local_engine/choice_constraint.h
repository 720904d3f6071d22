// One choice's way through its OutputConstraint: the tokens allowed at each step, and the
// token sampled fed back in. Phases: free (no grammar yet, or none), forcing (the trigger
// token must come first), active (the grammar decides).
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "local_engine/constraint.h"

namespace switchyard::engine {

class ChoiceConstraint {
 public:
  ChoiceConstraint(std::shared_ptr<const OutputConstraint> constraint, int32_t eos_id);

  // This step's mask: bit t % 64 of word t / 64 per allowed token; empty = any token.
  std::span<const uint64_t> allowed();

  enum class Fed {
    ok,
    finished,   // the grammar is complete (or ended by EOS): the choice must end
    abandoned,  // a lazy grammar could not start after its trigger: free text from here
    rejected,   // the grammar cannot take the token (cannot happen for a sampled token)
  };
  Fed feed(int32_t token, std::string_view piece);

 private:
  Fed activate(std::string_view rest);

  enum class Phase { free, waiting, forcing, active };
  std::shared_ptr<const OutputConstraint> c_;
  int32_t eos_;
  Phase phase_ = Phase::free;
  std::unique_ptr<grammar::Matcher> matcher_;
  grammar::TokenBits bits_;
  std::string recent_;  // waiting for a trigger text: the last bytes seen
};

}  // namespace switchyard::engine
