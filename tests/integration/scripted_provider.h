// An in-process Provider that replays a script of events: lets proxy tests drive every
// path (fallback, mid-stream error, missing usage, cancellation) without any network.
#pragma once

#include <atomic>
#include <concepts>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <type_traits>
#include <vector>

#include "providers/contract.h"

namespace switchyard::testing {

struct Script {
  std::vector<Event> events;
};

struct ScriptLog {
  std::atomic<int> opened{0};
  std::atomic<int> destroyed{0};
  std::atomic<int> events_pulled{0};
  std::mutex mu;
  std::vector<OpenParams> params;  // pointers valid only during the request
  std::vector<int64_t> max_tokens;
  std::vector<std::string> models_seen;
};

class ScriptedStream : public EventStream {
 public:
  ScriptedStream(Script s, std::shared_ptr<ScriptLog> log) : s_(std::move(s)), log_(std::move(log)) {}
  ~ScriptedStream() override { log_->destroyed++; }
  std::optional<Event> next() override {
    if (i_ >= s_.events.size()) return std::nullopt;
    log_->events_pulled++;
    return s_.events[i_++];
  }

 private:
  Script s_;
  size_t i_ = 0;
  std::shared_ptr<ScriptLog> log_;
};

class ScriptedProvider : public Provider {
 public:
  using Scripter = std::function<Script(const OpenParams&)>;
  ScriptedProvider(Scripter scripter, std::shared_ptr<ScriptLog> log) : scripter_(std::move(scripter)), log_(std::move(log)) {}
  std::unique_ptr<EventStream> open(const OpenParams& p) override {
    log_->opened++;
    {
      std::lock_guard lock(log_->mu);
      log_->max_tokens.push_back(p.max_tokens);
      log_->models_seen.push_back(p.endpoint->upstream_model);
    }
    return std::make_unique<ScriptedStream>(scripter_(p), log_);
  }

 private:
  Scripter scripter_;
  std::shared_ptr<ScriptLog> log_;
};

// The reply a test sets on its own thread and the server's workers ask for on theirs, set
// and called under one mutex. The request that follows orders the two in fact (connect,
// accept, the worker pool's mutex), but ThreadSanitizer reported these hand-overs as races.
class SharedScripter {
 public:
  SharedScripter() = default;
  template <class F>
    requires(!std::same_as<std::decay_t<F>, SharedScripter> && std::is_invocable_r_v<Script, F&, const OpenParams&>)
  SharedScripter(F f) : f_(std::move(f)) {}
  template <class F>
    requires(!std::same_as<std::decay_t<F>, SharedScripter> && std::is_invocable_r_v<Script, F&, const OpenParams&>)
  SharedScripter& operator=(F f) {
    std::lock_guard lock(mu_);
    f_ = std::move(f);
    return *this;
  }
  Script operator()(const OpenParams& p) const {
    ScriptedProvider::Scripter f;
    {
      std::lock_guard lock(mu_);
      f = f_;
    }
    return f(p);
  }

 private:
  mutable std::mutex mu_;
  ScriptedProvider::Scripter f_;
};

inline Event ev_role() { Event e; e.kind = EventKind::role; return e; }
inline Event ev_text(std::string t) { Event e; e.kind = EventKind::content; e.text = std::move(t); return e; }
inline Event ev_finish(std::string native) {
  Event e;
  e.kind = EventKind::finish;
  e.native_finish_reason = native;
  e.finish_reason = normalize_finish_reason(native);
  return e;
}
inline Event ev_usage(int64_t prompt, int64_t completion) {
  Event e;
  e.kind = EventKind::usage;
  e.usage.prompt_tokens = prompt;
  e.usage.completion_tokens = completion;
  return e;
}
inline Event ev_error(ErrorKind kind, std::string message, int status = 0) {
  Event e;
  e.kind = EventKind::error;
  e.error = Error{kind, std::move(message), status, {}, 0};
  return e;
}
inline Event ev_tool(int64_t index, std::string id, std::string name, std::string args) {
  Event e;
  e.kind = EventKind::tool_call;
  e.tool_call = ToolCallDelta{index, std::move(id), std::move(name), std::move(args)};
  return e;
}

}  // namespace switchyard::testing
