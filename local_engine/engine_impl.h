// Engine internals shared by engine.cpp (API, submit) and engine_scheduler.cpp (the step
// loop). Not part of the public API.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "local_engine/constraint.h"
#include "local_engine/engine.h"
#include "local_engine/prefix_cache.h"

namespace switchyard::engine {

using Clock = std::chrono::steady_clock;

// Event queue between the scheduler (producer) and one handle (consumer). A request with
// n choices closes when the last of them has finished (or on the first error).
struct RequestState {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<GenerationEvent> events;
  bool closed = false;                // no more events will be pushed
  int choices_left = 1;               // finish events still to come
  std::atomic<bool> cancelled{false};

  void push(GenerationEvent ev, bool last) {
    {
      std::lock_guard lk(mu);
      if (closed) return;
      events.push_back(std::move(ev));
      closed = last;
    }
    cv.notify_all();
  }
  // One choice's finish event; the stream closes after the last choice's.
  void push_finish(GenerationEvent ev) {
    {
      std::lock_guard lk(mu);
      if (closed) return;
      events.push_back(std::move(ev));
      closed = --choices_left <= 0;
    }
    cv.notify_all();
  }
  void close() {
    {
      std::lock_guard lk(mu);
      closed = true;
    }
    cv.notify_all();
  }
};

// What a validated request asks for; shared, read-only, by its choices.
struct RequestSpec {
  std::vector<int32_t> prompt;
  SamplingOptions sampling;
  int32_t max_tokens = 0;  // already clipped to the context
  std::vector<std::string> stop;
  bool ignore_eos = false;
  bool strip_leading_space = false;
  int32_t n_choices = 1;
  std::shared_ptr<const OutputConstraint> constraint;  // null: free text
};

// A request that passed validation, waiting for slots (one per choice).
struct PendingRequest {
  std::shared_ptr<RequestState> state;
  std::shared_ptr<const RequestSpec> spec;
  Clock::time_point submitted;
};

struct EngineCore {
  Tokenizer tokenizer;
  std::unique_ptr<BatchModel> model;
  EngineOptions options;
  EngineInfo info;
  std::optional<PrefixCache> prefix_cache;  // the scheduler thread's, once it runs
  std::unique_ptr<ConstraintCompiler> constraints;

  mutable std::mutex mu;               // guards everything below
  std::condition_variable wake;
  uint64_t wake_count = 0;             // bumped by notify(): submit, cancel, stop
  std::deque<PendingRequest> pending;
  size_t n_active = 0;
  bool stopping = false;
  double avg_request_seconds = 5.0;    // moving average, for Retry-After

  // Written by the scheduler after each step, read by stats().
  std::atomic<int64_t> tokens_generated{0};
  std::atomic<double> prefill_tps{0}, decode_tps{0}, kv_used_ratio{0};

  std::thread thread;

  EngineCore(Tokenizer t) : tokenizer(std::move(t)) {}
  void notify() {
    {
      std::lock_guard lk(mu);
      ++wake_count;
    }
    wake.notify_all();
  }
  void run();  // the scheduler thread (engine_scheduler.cpp)
};

}  // namespace switchyard::engine
