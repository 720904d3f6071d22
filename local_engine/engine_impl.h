// Engine internals shared by engine.cpp (API, submit) and engine_scheduler.cpp (the step
// loop). Not part of the public API.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "local_engine/engine.h"
#include "local_engine/stop_strings.h"

namespace switchyard::engine {

using Clock = std::chrono::steady_clock;

// Event queue between the scheduler (producer) and one handle (consumer).
struct RequestState {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<GenerationEvent> events;
  bool closed = false;                // no more events will be pushed
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
  void close() {
    {
      std::lock_guard lk(mu);
      closed = true;
    }
    cv.notify_all();
  }
};

// A request that passed validation, waiting for a slot.
struct PendingRequest {
  std::shared_ptr<RequestState> state;
  std::vector<int32_t> prompt;
  SamplingOptions sampling;
  int32_t max_tokens = 0;  // already clipped to the context
  std::vector<std::string> stop;
  bool ignore_eos = false;
  bool strip_leading_space = false;
  Clock::time_point submitted;
};

struct EngineCore {
  Tokenizer tokenizer;
  std::unique_ptr<BatchModel> model;
  EngineOptions options;
  EngineInfo info;

  mutable std::mutex mu;               // guards everything below
  std::condition_variable wake;
  uint64_t wake_count = 0;             // bumped by notify(): submit, cancel, stop
  std::deque<PendingRequest> pending;
  size_t n_active = 0;
  bool stopping = false;
  double avg_request_seconds = 5.0;    // moving average, for Retry-After

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
