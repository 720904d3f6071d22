// Running a Grammar over bytes. A position in the grammar is a set of threads, each a
// state plus its call stack; stacks are linked frames in one append-only arena, so a call
// or return is one small record, not a copy.
//
//   Matcher m(grammar);
//   m.accept("{\"a\":");   // false (and no change) when the bytes cannot continue the output
//   m.can_end();           // the output may stop here
//   m.finished();          // nothing may follow: the output must stop here
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "local_engine/grammar/grammar.h"

namespace switchyard::engine::grammar {

inline constexpr int32_t kStackEmpty = -1;    // the thread is in the root rule
inline constexpr int32_t kStackUnknown = -2;  // frames below are not known (mask precomputation)

struct Frame {
  int32_t ret = 0;     // state to continue at when the called rule ends
  int32_t parent = kStackEmpty;
};

struct Thread {
  int32_t state = 0;
  int32_t stack = kStackEmpty;  // top frame, or kStackEmpty / kStackUnknown
  bool operator==(const Thread&) const = default;
};

class StackArena {
 public:
  int32_t push(int32_t ret, int32_t parent) {
    frames_.push_back({ret, parent});
    return static_cast<int32_t>(frames_.size()) - 1;
  }
  const Frame& operator[](int32_t i) const { return frames_[static_cast<size_t>(i)]; }
  size_t size() const { return frames_.size(); }
  void truncate(size_t n) { frames_.resize(n); }
  void clear() { frames_.clear(); }

 private:
  std::vector<Frame> frames_;
};

// Where a step's threads go, and what happened to the paths that ended.
struct Successors {
  std::vector<Thread> threads;  // each at a state that reads bytes
  bool ended = false;           // a path completed the root rule
  bool escaped = false;         // a path returned into kStackUnknown
  void clear() {
    threads.clear();
    ended = escaped = false;
  }
};

// The two moves of a pushdown automaton over one grammar and arena, with reusable scratch.
class Stepper {
 public:
  // Paths followed at once at most. A grammar ambiguous enough to need more (anyOf of
  // look-alike branches, nested) loses the extra paths: the output may be narrower than
  // the schema allows, never outside it, and no step takes unbounded time.
  static constexpr size_t kMaxThreads = 256;

  Stepper(const Grammar& g, StackArena& arena) : g_(&g), arena_(&arena) {}
  // Adds t and everything reachable from it without reading (calls, returns) to out.
  void expand(Thread t, Successors& out);
  // Every thread of `from` reads byte b; out gets the expanded successors.
  void step(std::span<const Thread> from, uint8_t b, Successors& out);

 private:
  const Grammar* g_;
  StackArena* arena_;
  std::vector<Thread> work_, seen_;
};

class Matcher {
 public:
  explicit Matcher(std::shared_ptr<const Grammar> grammar);
  Matcher(const Matcher&) = delete;  // its stepper points at its own arena
  Matcher& operator=(const Matcher&) = delete;

  bool accept(std::string_view bytes);
  bool allows(std::string_view bytes);  // accept() would succeed; nothing moves
  bool can_end() const { return ended_; }
  bool finished() const { return threads_.empty(); }

  std::span<const Thread> threads() const { return threads_; }
  const StackArena& arena() const { return arena_; }
  const Grammar& grammar() const { return *grammar_; }
  const std::shared_ptr<const Grammar>& grammar_ptr() const { return grammar_; }

 private:
  bool run(std::string_view bytes, Successors& out);
  void compact();  // drops frames no thread can reach

  std::shared_ptr<const Grammar> grammar_;
  StackArena arena_;
  Stepper stepper_;
  std::vector<Thread> threads_;
  bool ended_ = false;
  Successors a_, b_;  // scratch
};

}  // namespace switchyard::engine::grammar
