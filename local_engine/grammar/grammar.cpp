#include "local_engine/grammar/grammar.h"

#include <algorithm>
#include <tuple>

namespace switchyard::engine::grammar {

int32_t GrammarBuilder::add_rule(std::string name) {
  rule_start_.push_back(add_state());
  rule_names_.push_back(std::move(name));
  return static_cast<int32_t>(rule_start_.size()) - 1;
}

int32_t GrammarBuilder::add_state() {
  states_.emplace_back();
  return static_cast<int32_t>(states_.size()) - 1;
}

void GrammarBuilder::add_bytes(int32_t from, uint8_t lo, uint8_t hi, int32_t to) {
  states_[static_cast<size_t>(from)].bytes.push_back({lo, hi, to});
}
void GrammarBuilder::add_eps(int32_t from, int32_t to) { states_[static_cast<size_t>(from)].eps.push_back(to); }
void GrammarBuilder::add_call(int32_t from, int32_t rule, int32_t to) {
  states_[static_cast<size_t>(from)].calls.push_back({rule, to});
}
void GrammarBuilder::set_accepting(int32_t state) { states_[static_cast<size_t>(state)].accepting = true; }

int32_t GrammarBuilder::add_literal(int32_t from, std::string_view text) {
  int32_t at = from;
  for (unsigned char c : text) {
    const int32_t next = add_state();
    add_bytes(at, c, c, next);
    at = next;
  }
  return at;
}

namespace {

// States reachable from s by epsilon edges, s included.
std::vector<int32_t> eps_closure(const auto& states, int32_t s) {
  std::vector<int32_t> seen{s};
  for (size_t i = 0; i < seen.size(); ++i)
    for (int32_t t : states[static_cast<size_t>(seen[i])].eps)
      if (std::find(seen.begin(), seen.end(), t) == seen.end()) seen.push_back(t);
  return seen;
}

// Rules that can end without reading a byte.
std::vector<bool> nullable_rules(const Grammar& g) {
  const size_t n_rules = g.rule_start.size();
  std::vector<bool> nullable(n_rules, false);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t r = 0; r < n_rules; ++r) {
      if (nullable[r]) continue;
      std::vector<int32_t> frontier{g.rule_start[r]};
      for (size_t i = 0; i < frontier.size() && !nullable[r]; ++i) {
        const int32_t s = frontier[i];
        if (g.accepting[static_cast<size_t>(s)]) nullable[r] = true;
        for (uint32_t c = g.call_begin[static_cast<size_t>(s)]; c < g.call_begin[static_cast<size_t>(s) + 1]; ++c)
          if (nullable[static_cast<size_t>(g.calls[c].rule)] &&
              std::find(frontier.begin(), frontier.end(), g.calls[c].ret) == frontier.end())
            frontier.push_back(g.calls[c].ret);
      }
      changed |= nullable[r];
    }
  }
  return nullable;
}

// Rules called from `rule` before it has read a byte.
std::vector<int32_t> left_calls(const Grammar& g, const std::vector<bool>& nullable, int32_t rule) {
  std::vector<int32_t> frontier{g.rule_start[static_cast<size_t>(rule)]}, called;
  for (size_t i = 0; i < frontier.size(); ++i) {
    const size_t s = static_cast<size_t>(frontier[i]);
    for (uint32_t c = g.call_begin[s]; c < g.call_begin[s + 1]; ++c) {
      called.push_back(g.calls[c].rule);
      if (nullable[static_cast<size_t>(g.calls[c].rule)] &&
          std::find(frontier.begin(), frontier.end(), g.calls[c].ret) == frontier.end())
        frontier.push_back(g.calls[c].ret);
    }
  }
  return called;
}

Result<void> check_left_recursion(const Grammar& g) {
  const std::vector<bool> nullable = nullable_rules(g);
  const size_t n_rules = g.rule_start.size();
  std::vector<std::vector<int32_t>> edges(n_rules);
  for (size_t r = 0; r < n_rules; ++r) edges[r] = left_calls(g, nullable, static_cast<int32_t>(r));
  // Depth-first search for a cycle: 0 unvisited, 1 on the path, 2 done.
  std::vector<int> mark(n_rules, 0);
  auto visit = [&](auto& self, size_t r) -> int32_t {
    mark[r] = 1;
    for (int32_t t : edges[r]) {
      if (mark[static_cast<size_t>(t)] == 1) return t;
      if (mark[static_cast<size_t>(t)] == 0)
        if (int32_t bad = self(self, static_cast<size_t>(t)); bad >= 0) return bad;
    }
    mark[r] = 2;
    return -1;
  };
  for (size_t r = 0; r < n_rules; ++r)
    if (mark[r] == 0)
      if (int32_t bad = visit(visit, r); bad >= 0)
        return std::unexpected(Error{"grammar: '" + g.rule_names[static_cast<size_t>(bad)] +
                                     "' can reach itself without producing any text (a $ref cycle?)"});
  return {};
}

// States that can still end their rule: accepting, or a byte or a call away from such a
// state (a call counts when its rule can end too). A fixed point over the whole table.
std::vector<uint8_t> live_states(const Grammar& g) {
  const size_t n = g.accepting.size();
  std::vector<uint8_t> live(g.accepting);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t s = 0; s < n; ++s) {
      if (live[s]) continue;
      for (uint32_t e = g.byte_begin[s]; e < g.byte_begin[s + 1] && !live[s]; ++e) live[s] = live[size_t(g.bytes[e].to)];
      for (uint32_t c = g.call_begin[s]; c < g.call_begin[s + 1] && !live[s]; ++c)
        live[s] = live[size_t(g.rule_start[size_t(g.calls[c].rule)])] && live[size_t(g.calls[c].ret)];
      changed |= live[s] != 0;
    }
  }
  return live;
}

// Drops every edge into a state that cannot end its rule, so no thread is ever left
// where no byte can take it further (the mask would allow nothing).
void prune_dead_ends(Grammar& g) {
  const std::vector<uint8_t> live = live_states(g);
  std::vector<ByteEdge> bytes;
  std::vector<CallEdge> calls;
  std::vector<uint32_t> byte_begin{0}, call_begin{0};
  for (size_t s = 0; s < g.accepting.size(); ++s) {
    for (uint32_t e = g.byte_begin[s]; e < g.byte_begin[s + 1]; ++e)
      if (live[size_t(g.bytes[e].to)]) bytes.push_back(g.bytes[e]);
    for (uint32_t c = g.call_begin[s]; c < g.call_begin[s + 1]; ++c)
      if (live[size_t(g.rule_start[size_t(g.calls[c].rule)])] && live[size_t(g.calls[c].ret)]) calls.push_back(g.calls[c]);
    byte_begin.push_back(uint32_t(bytes.size()));
    call_begin.push_back(uint32_t(calls.size()));
  }
  g.bytes = std::move(bytes);
  g.calls = std::move(calls);
  g.byte_begin = std::move(byte_begin);
  g.call_begin = std::move(call_begin);
}

}  // namespace

Result<Grammar> GrammarBuilder::build(int32_t root_rule) const {
  Grammar g;
  const size_t n = states_.size();
  g.byte_begin.reserve(n + 1);
  g.call_begin.reserve(n + 1);
  g.accepting.resize(n, 0);
  for (size_t s = 0; s < n; ++s) {
    g.byte_begin.push_back(static_cast<uint32_t>(g.bytes.size()));
    g.call_begin.push_back(static_cast<uint32_t>(g.calls.size()));
    std::vector<ByteEdge> bytes;
    std::vector<CallEdge> calls;
    for (int32_t t : eps_closure(states_, static_cast<int32_t>(s))) {
      const State& st = states_[static_cast<size_t>(t)];
      bytes.insert(bytes.end(), st.bytes.begin(), st.bytes.end());
      calls.insert(calls.end(), st.calls.begin(), st.calls.end());
      g.accepting[s] |= st.accepting;
    }
    std::sort(bytes.begin(), bytes.end(), [](const ByteEdge& a, const ByteEdge& b) {
      return std::tie(a.lo, a.hi, a.to) < std::tie(b.lo, b.hi, b.to);
    });
    bytes.erase(std::unique(bytes.begin(), bytes.end(),
                            [](const ByteEdge& a, const ByteEdge& b) { return a.lo == b.lo && a.hi == b.hi && a.to == b.to; }),
                bytes.end());
    for (const CallEdge& c : calls)
      if (std::none_of(g.calls.begin() + g.call_begin.back(), g.calls.end(),
                       [&](const CallEdge& d) { return d.rule == c.rule && d.ret == c.ret; }))
        g.calls.push_back(c);
    g.bytes.insert(g.bytes.end(), bytes.begin(), bytes.end());
  }
  g.byte_begin.push_back(static_cast<uint32_t>(g.bytes.size()));
  g.call_begin.push_back(static_cast<uint32_t>(g.calls.size()));
  g.rule_start = rule_start_;
  g.rule_names = rule_names_;
  g.root = root_rule;
  if (auto r = check_left_recursion(g); !r) return std::unexpected(r.error());
  prune_dead_ends(g);
  if (!live_states(g)[size_t(g.rule_start[size_t(root_rule)])])
    return std::unexpected(Error{"grammar: nothing can be produced (a part of it matches no text)"});
  return g;
}

}  // namespace switchyard::engine::grammar
