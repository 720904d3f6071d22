#include "local_engine/grammar/matcher.h"

#include <algorithm>
#include <unordered_map>

namespace switchyard::engine::grammar {

namespace {

// Two threads are the same when their states and their stacks' contents are (frames are
// not shared: two calls of one rule push two equal frames).
bool same(const Thread& a, const Thread& b, const StackArena& arena) {
  if (a.state != b.state) return false;
  int32_t x = a.stack, y = b.stack;
  while (x != y) {
    if (x < 0 || y < 0 || arena[x].ret != arena[y].ret) return false;
    x = arena[x].parent;
    y = arena[y].parent;
  }
  return true;
}

}  // namespace

void Stepper::expand(Thread t, Successors& out) {
  const Grammar& g = *g_;
  work_.assign(1, t);
  seen_.clear();
  while (!work_.empty()) {
    const Thread x = work_.back();
    work_.pop_back();
    if (std::find(seen_.begin(), seen_.end(), x) != seen_.end()) continue;  // a nullable loop
    seen_.push_back(x);
    const size_t s = static_cast<size_t>(x.state);
    if (g.byte_begin[s] != g.byte_begin[s + 1] && out.threads.size() < kMaxThreads &&
        std::none_of(out.threads.begin(), out.threads.end(), [&](const Thread& y) { return same(x, y, *arena_); }))
      out.threads.push_back(x);
    for (uint32_t c = g.call_begin[s]; c < g.call_begin[s + 1]; ++c) {
      // A call whose return state only ends the rule is a tail call: no frame needed.
      const size_t ret = static_cast<size_t>(g.calls[c].ret);
      const bool tail = g.accepting[ret] && g.byte_begin[ret] == g.byte_begin[ret + 1] && g.call_begin[ret] == g.call_begin[ret + 1];
      work_.push_back({g.rule_start[static_cast<size_t>(g.calls[c].rule)], tail ? x.stack : arena_->push(g.calls[c].ret, x.stack)});
    }
    if (!g.accepting[s]) continue;
    if (x.stack == kStackEmpty) out.ended = true;
    else if (x.stack == kStackUnknown) out.escaped = true;
    else work_.push_back({(*arena_)[x.stack].ret, (*arena_)[x.stack].parent});
  }
}

void Stepper::step(std::span<const Thread> from, uint8_t b, Successors& out) {
  out.clear();
  const Grammar& g = *g_;
  for (const Thread& t : from) {
    const size_t s = static_cast<size_t>(t.state);
    for (uint32_t e = g.byte_begin[s]; e < g.byte_begin[s + 1]; ++e) {
      const ByteEdge& edge = g.bytes[e];
      if (b < edge.lo) break;  // sorted by lo
      if (b <= edge.hi) expand({edge.to, t.stack}, out);
    }
  }
}

Matcher::Matcher(std::shared_ptr<const Grammar> grammar)
    : grammar_(std::move(grammar)), stepper_(*grammar_, arena_) {
  Successors start;
  stepper_.expand({grammar_->rule_start[static_cast<size_t>(grammar_->root)], kStackEmpty}, start);
  threads_ = std::move(start.threads);
  ended_ = start.ended;
}

// Reads the bytes from the current threads into out; false when every path died (or
// ended before the last byte).
bool Matcher::run(std::string_view bytes, Successors& out) {
  out.threads = threads_;
  out.ended = ended_;
  Successors* cur = &out;
  Successors* next = &b_;
  for (unsigned char c : bytes) {
    stepper_.step(cur->threads, c, *next);
    std::swap(cur, next);
    if (cur->threads.empty() && !cur->ended) return false;
  }
  if (cur != &out) std::swap(out, *cur);
  return !out.threads.empty() || out.ended;
}

bool Matcher::accept(std::string_view bytes) {
  const size_t mark = arena_.size();
  if (!run(bytes, a_)) {
    arena_.truncate(mark);
    return false;
  }
  threads_ = a_.threads;
  ended_ = a_.ended;
  if (arena_.size() > 4096) compact();
  return true;
}

bool Matcher::allows(std::string_view bytes) {
  const size_t mark = arena_.size();
  const bool ok = run(bytes, a_);
  arena_.truncate(mark);
  return ok;
}

void Matcher::compact() {
  StackArena fresh;
  std::unordered_map<int32_t, int32_t> moved;
  std::vector<int32_t> chain;  // frames of one stack not moved yet, top first
  for (Thread& t : threads_) {
    chain.clear();
    for (int32_t f = t.stack; f >= 0 && !moved.contains(f); f = arena_[f].parent) chain.push_back(f);
    for (size_t i = chain.size(); i-- > 0;) {  // bottom up: a parent is moved before its child
      const int32_t parent = arena_[chain[i]].parent;
      moved[chain[i]] = fresh.push(arena_[chain[i]].ret, parent < 0 ? parent : moved[parent]);
    }
    if (t.stack >= 0) t.stack = moved[t.stack];
  }
  arena_ = std::move(fresh);
}

}  // namespace switchyard::engine::grammar
