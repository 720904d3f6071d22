#include "providers/local/local_provider.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>

#include "local_engine/utf8.h"
#include "providers/json_writer.h"

namespace switchyard::providers::local {

namespace eng = switchyard::engine;

// ---------------------------------------------------------------- shared engines

engine::EngineOptions engine_options_from(const ProviderConfig& c) {
  engine::EngineOptions o;
  o.model_path = c.model_path;
  o.threads = static_cast<int>(c.threads);
  o.n_ctx = static_cast<int>(c.context_length);
  if (c.max_sequences > 0) o.max_sequences = static_cast<int>(c.max_sequences);
  o.max_queue = 4 * o.max_sequences;
  o.chat_template = c.chat_template;
  o.kv_type = c.kv_cache == "f16" ? engine::KvType::f16 : engine::KvType::f32;
  o.device = c.device.empty() ? "auto" : c.device;
  return o;
}

namespace {

// Running engines by everything that shapes them, so a config reload that leaves a local
// provider's settings alone reuses its engine, and one that changes them gets a new one.
struct EngineRegistry {
  std::mutex mu;
  std::map<std::string, std::weak_ptr<eng::Engine>> by_settings;
};

std::string settings_key(const eng::EngineOptions& o) {
  return o.model_path + "|" + std::to_string(o.threads) + "|" + std::to_string(o.n_ctx) + "|" +
         std::to_string(o.max_sequences) + "|" + std::to_string(o.kv_cache_budget_bytes) + "|" +
         std::to_string(o.max_queue) + "|" + o.chat_template + "|" + std::to_string(o.prefill_chunk) + "|" +
         std::to_string(static_cast<int>(o.kv_type)) + "|" + o.device;
}

EngineRegistry& registry() {
  static EngineRegistry r;
  return r;
}

}  // namespace

Result<std::shared_ptr<engine::Engine>> acquire_local_engine(const ProviderConfig& config) {
  if (config.model_path.empty())
    return fail(ErrorKind::upstream_unavailable, "local provider '" + config.name + "' has no model_path");
  auto& r = registry();
  // Loading under the lock keeps two endpoints from loading the same weights twice.
  std::lock_guard lk(r.mu);
  const eng::EngineOptions options = engine_options_from(config);
  const std::string key = settings_key(options);
  if (auto e = r.by_settings[key].lock()) return e;
  auto opened = eng::Engine::open(options);
  if (!opened)
    return fail(ErrorKind::upstream_unavailable, "local model failed to load: " + opened.error().message);
  std::shared_ptr<eng::Engine> e(std::move(*opened));
  // One line says where the model runs, and why not on the GPU when it could have.
  const auto& info = e->info();
  std::fprintf(stderr, "switchyard: local engine '%s': %s on %s%s%s\n", config.name.c_str(), config.model_path.c_str(),
               info.device.c_str(), info.device_note.empty() ? "" : "; ", info.device_note.c_str());
  r.by_settings[key] = e;
  return e;
}

// ---------------------------------------------------------------- request mapping

engine::GenerationRequest to_generation_request(const ChatRequest& req, int64_t max_tokens, int32_t n_vocab) {
  eng::GenerationRequest g;
  if (req.is_completion) {
    g.prompt = req.prompt;
  } else {
    for (const auto& m : req.messages) {
      std::string content = m.text;
      // Tool calls the assistant made are shown to the model as text.
      for (const auto& tc : m.tool_calls) {
        if (!content.empty()) content += "\n";
        content += "Tool call " + tc.name + "(" + tc.arguments + ")";
      }
      g.messages.push_back({m.role, std::move(content)});
    }
  }
  const SamplingParams& s = req.sampling;
  eng::SamplingOptions& o = g.sampling;
  o.temperature = static_cast<float>(s.temperature);
  o.top_p = static_cast<float>(s.top_p);
  o.top_k = static_cast<int32_t>(std::min<int64_t>(s.top_k, n_vocab));
  o.min_p = static_cast<float>(s.min_p);
  o.top_a = static_cast<float>(s.top_a);
  o.frequency_penalty = static_cast<float>(s.frequency_penalty);
  o.presence_penalty = static_cast<float>(s.presence_penalty);
  o.repetition_penalty = static_cast<float>(s.repetition_penalty);
  if (s.seed) o.seed = static_cast<uint64_t>(*s.seed);
  for (const auto& [id, bias] : s.logit_bias)
    if (id >= 0 && id < n_vocab) o.logit_bias.emplace_back(static_cast<int32_t>(id), static_cast<float>(bias));
  o.logprobs = s.logprobs;
  o.top_logprobs = s.logprobs ? static_cast<int32_t>(s.top_logprobs) : 0;
  int64_t mt = max_tokens > 0 ? max_tokens : s.max_tokens.value_or(0);
  g.max_tokens = static_cast<int>(std::clamp<int64_t>(mt, 0, 1 << 30));
  g.stop = s.stop;
  return g;
}

namespace {

// ---------------------------------------------------------------- the stream

void write_token(JsonWriter& w, const std::string& piece, double logprob) {
  w.field("token", eng::utf8_sanitize(piece));
  w.field("logprob", logprob);
  w.key("bytes").begin_array();
  for (unsigned char b : piece) w.value(static_cast<int64_t>(b));
  w.end_array();
}

std::string logprobs_json(const eng::GeneratedToken& t, const eng::Tokenizer& tok) {
  JsonWriter w;
  w.begin_object().key("content").begin_array().begin_object();
  write_token(w, t.piece, t.logprob);
  w.key("top_logprobs").begin_array();
  for (const auto& alt : t.top) {
    w.begin_object();
    write_token(w, tok.token_to_piece(alt.token), alt.logprob);
    w.end_object();
  }
  w.end_array().end_object().end_array().end_object();
  return w.take();
}

class FailedStream final : public EventStream {
 public:
  explicit FailedStream(Error e) : error_(std::move(e)) {}
  std::optional<Event> next() override {
    if (done_) return std::nullopt;
    done_ = true;
    Event ev;
    ev.kind = EventKind::error;
    ev.finish_reason = "error";
    ev.error = error_;
    return ev;
  }

 private:
  Error error_;
  bool done_ = false;
};

class LocalStream final : public EventStream {
 public:
  LocalStream(std::shared_ptr<eng::Engine> engine, std::unique_ptr<eng::Generation> gen, bool logprobs,
              std::function<bool()> keep_going = {})
      : engine_(std::move(engine)), gen_(std::move(gen)), logprobs_(logprobs), keep_going_(std::move(keep_going)) {}
  ~LocalStream() override { gen_.reset(); }  // cancels before the engine ref goes

  std::optional<Event> next() override {
    if (!started_) {
      started_ = true;
      Event ev;
      ev.kind = EventKind::role;
      return ev;
    }
    while (queue_.empty() && !ended_) pull();
    if (queue_.empty()) return std::nullopt;
    Event ev = std::move(queue_.front());
    queue_.pop_front();
    return ev;
  }

 private:
  void pull() {
    // Ask the client side now and then while the engine is busy (long prefill, queued).
    while (keep_going_ && !gen_->wait_for(std::chrono::milliseconds(250))) {
      if (!keep_going_()) {
        gen_->cancel();
        Event e;
        e.kind = EventKind::error;
        e.finish_reason = "error";
        e.error = Error{ErrorKind::cancelled, "the client went away", 0, {}, 0};
        queue_.push_back(std::move(e));
        ended_ = true;
        return;
      }
    }
    auto ev = gen_->next();
    if (!ev) {
      ended_ = true;
      return;
    }
    switch (ev->kind) {
      case eng::GenerationEvent::Kind::delta:
        if (!ev->text.empty()) {
          Event c;
          c.kind = EventKind::content;
          c.text = std::move(ev->text);
          queue_.push_back(std::move(c));
        }
        if (logprobs_ && ev->token) {
          Event l;
          l.kind = EventKind::logprobs;
          l.logprobs_json = logprobs_json(*ev->token, engine_->tokenizer());
          queue_.push_back(std::move(l));
        }
        break;
      case eng::GenerationEvent::Kind::finish: {
        Event f;
        f.kind = EventKind::finish;
        f.finish_reason = ev->finish_reason;
        f.native_finish_reason = ev->native_finish_reason;
        queue_.push_back(std::move(f));
        Event u;
        u.kind = EventKind::usage;
        u.usage.prompt_tokens = ev->usage.prompt_tokens;
        u.usage.completion_tokens = ev->usage.completion_tokens;
        u.usage.estimated = false;
        queue_.push_back(std::move(u));
        ended_ = true;
        break;
      }
      case eng::GenerationEvent::Kind::error: {
        Event e;
        e.kind = EventKind::error;
        e.finish_reason = "error";
        e.error = Error{ErrorKind::internal, ev->error, 0, {}, 0};
        queue_.push_back(std::move(e));
        ended_ = true;
        break;
      }
    }
  }

  std::shared_ptr<eng::Engine> engine_;
  std::unique_ptr<eng::Generation> gen_;
  bool logprobs_;
  std::function<bool()> keep_going_;
  bool started_ = false;
  bool ended_ = false;
  std::deque<Event> queue_;
};

Error submit_error(const eng::SubmitError& e) {
  switch (e.kind) {
    case eng::SubmitError::Kind::overloaded:
      return Error{ErrorKind::no_route, e.message, 0, {}, std::max(1, e.retry_after_seconds)};
    case eng::SubmitError::Kind::invalid_request:
      return Error{ErrorKind::invalid_argument, e.message, 0, {}, 0};
    case eng::SubmitError::Kind::shutting_down:
      return Error{ErrorKind::upstream_unavailable, e.message, 0, {}, std::max(1, e.retry_after_seconds)};
  }
  return Error{ErrorKind::internal, e.message, 0, {}, 0};
}

class LocalProvider final : public Provider {
 public:
  explicit LocalProvider(ProviderConfig config) : config_(std::move(config)) {}
  explicit LocalProvider(std::shared_ptr<eng::Engine> engine) : engine_(std::move(engine)) {}

  std::unique_ptr<EventStream> open(const OpenParams& params) override {
    if (!params.request)
      return std::make_unique<FailedStream>(Error{ErrorKind::internal, "local: open() without a request", 0, {}, 0});
    auto engine = get_engine();
    if (!engine) return std::make_unique<FailedStream>(engine.error());
    auto req = to_generation_request(*params.request, params.max_tokens, (*engine)->info().n_vocab);
    const bool logprobs = params.request->sampling.logprobs;
    auto gen = (*engine)->submit(std::move(req));
    if (!gen) return std::make_unique<FailedStream>(submit_error(gen.error()));
    return std::make_unique<LocalStream>(std::move(*engine), std::move(*gen), logprobs, params.keep_going);
  }

  Result<int64_t> count_prompt_tokens(const OpenParams& params) override {
    if (!params.request) return fail(ErrorKind::internal, "local: count_prompt_tokens() without a request");
    auto engine = get_engine();
    if (!engine) return std::unexpected(engine.error());
    auto ids = (*engine)->tokenize_prompt(to_generation_request(*params.request, 1, (*engine)->info().n_vocab));
    if (!ids) return std::unexpected(submit_error(ids.error()));
    return static_cast<int64_t>(ids->size());
  }

 private:
  Result<std::shared_ptr<eng::Engine>> get_engine() {
    std::lock_guard lk(mu_);
    if (engine_) return engine_;
    auto e = acquire_local_engine(config_);
    if (!e) return std::unexpected(e.error());  // retried at the next open()
    engine_ = *e;
    return engine_;
  }

  std::mutex mu_;
  ProviderConfig config_;
  std::shared_ptr<eng::Engine> engine_;
};

}  // namespace

std::shared_ptr<Provider> make_local_provider(const ProviderConfig& config) {
  return std::make_shared<LocalProvider>(config);
}

std::shared_ptr<Provider> make_local_provider(std::shared_ptr<engine::Engine> engine) {
  return std::make_shared<LocalProvider>(std::move(engine));
}

}  // namespace switchyard::providers::local
