// A byte-level grammar for constrained decoding: a set of rules, each a small automaton
// over bytes whose states may also call other rules (a pushdown automaton: JSON values
// nest). The JSON-schema and regex compilers build one with GrammarBuilder; the Matcher
// runs it; the MaskCache turns "where the matcher is" into the tokens allowed next.
//
// Non-determinism is allowed (two edges on one byte, several calls from a state): the
// matcher follows every path at once, as a set of threads. What is not allowed is a rule
// reaching itself without consuming a byte (left recursion); build() rejects it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "local_engine/status.h"

namespace switchyard::engine::grammar {

struct ByteEdge {
  uint8_t lo = 0, hi = 0;  // bytes lo..hi inclusive
  int32_t to = 0;
};

struct CallEdge {
  int32_t rule = 0;  // enter this rule at its start ...
  int32_t ret = 0;   // ... and continue here when it ends
};

// The built grammar: states of all rules in one table, edges in flat arrays (state s owns
// bytes[byte_begin[s], byte_begin[s + 1]) and calls[call_begin[s], call_begin[s + 1])).
struct Grammar {
  std::vector<uint32_t> byte_begin;  // [n_states + 1]
  std::vector<ByteEdge> bytes;
  std::vector<uint32_t> call_begin;  // [n_states + 1]
  std::vector<CallEdge> calls;
  std::vector<uint8_t> accepting;    // [n_states] the state's rule may end here
  std::vector<int32_t> rule_start;   // [n_rules]
  std::vector<std::string> rule_names;
  int32_t root = 0;                  // the rule the whole output must match

  int32_t n_states() const { return static_cast<int32_t>(accepting.size()); }
};

class GrammarBuilder {
 public:
  // A new rule with a fresh start state; returns the rule id.
  int32_t add_rule(std::string name);
  int32_t start_of(int32_t rule) const { return rule_start_[static_cast<size_t>(rule)]; }
  int32_t add_state();
  void add_bytes(int32_t from, uint8_t lo, uint8_t hi, int32_t to);
  void add_eps(int32_t from, int32_t to);  // within one rule
  void add_call(int32_t from, int32_t rule, int32_t to);
  void set_accepting(int32_t state);
  // The bytes of `text` one after another from `from`; returns the state after the last.
  int32_t add_literal(int32_t from, std::string_view text);
  int32_t n_states() const { return static_cast<int32_t>(states_.size()); }

  // Removes the epsilon edges and checks for left recursion (an error naming the rule).
  Result<Grammar> build(int32_t root_rule) const;

 private:
  struct State {
    std::vector<ByteEdge> bytes;
    std::vector<CallEdge> calls;
    std::vector<int32_t> eps;
    bool accepting = false;
  };
  std::vector<State> states_;
  std::vector<int32_t> rule_start_;
  std::vector<std::string> rule_names_;
};

}  // namespace switchyard::engine::grammar
