// The engine's generation events -> provider Events: a role event per choice, content,
// tool-call deltas (index, id and name on a call's first delta), logprobs, a finish per
// choice (its choice_index), then one usage event for the whole request (the prompt once,
// every choice's completion tokens, the prompt tokens the prefix cache supplied).
#pragma once

#include <deque>
#include <functional>
#include <memory>

#include "local_engine/engine.h"
#include "providers/contract.h"

namespace switchyard::providers::local {

class LocalStream final : public EventStream {
 public:
  LocalStream(std::shared_ptr<engine::Engine> engine, std::unique_ptr<engine::Generation> gen, int64_t n_choices,
              bool logprobs, std::function<bool()> keep_going = {});
  ~LocalStream() override { gen_.reset(); }  // cancels before the engine ref goes

  std::optional<Event> next() override;
  // The prompt exactly (it was tokenized before prefill) and every token sampled so far.
  PartialUsage partial_usage() const override;

 private:
  void pull();
  bool client_gone();
  void on_delta(engine::GenerationEvent& ev);
  void on_finish(const engine::GenerationEvent& ev);

  std::shared_ptr<engine::Engine> engine_;
  std::unique_ptr<engine::Generation> gen_;
  int64_t n_choices_;
  bool logprobs_;
  std::function<bool()> keep_going_;
  bool started_ = false;
  bool ended_ = false;
  Usage usage_;
  int64_t sampled_ = 0;  // tokens sampled so far, all choices
  std::deque<Event> queue_;
};

}  // namespace switchyard::providers::local
