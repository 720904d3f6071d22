#include "providers/local/local_provider.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>

#include "providers/local/local_stream.h"

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
  if (c.prefix_cache_mb >= 0) o.prefix_cache_bytes = static_cast<size_t>(c.prefix_cache_mb) << 20;
  if (c.max_choices > 0) o.max_choices = static_cast<int>(c.max_choices);
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
         std::to_string(static_cast<int>(o.kv_type)) + "|" + o.device + "|" + std::to_string(o.prefix_cache_bytes) + "|" +
         std::to_string(o.prefix_block_tokens) + "|" + std::to_string(o.max_choices);
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
  std::string notes = info.device_note.empty() ? "" : "; " + info.device_note;
  if (info.prefix_cache_positions > 0) notes += "; prefix cache of " + std::to_string(info.prefix_cache_positions) + " positions";
  if (!info.prefix_cache_note.empty()) notes += "; " + info.prefix_cache_note;
  std::fprintf(stderr, "switchyard: local engine '%s': %s on %s%s\n", config.name.c_str(), config.model_path.c_str(),
               info.device.c_str(), notes.c_str());
  r.by_settings[key] = e;
  return e;
}

namespace {

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
    if (!req) return std::make_unique<FailedStream>(req.error());
    const int64_t n_choices = req->n;
    const bool logprobs = params.request->sampling.logprobs;
    auto gen = (*engine)->submit(std::move(*req));
    if (!gen) return std::make_unique<FailedStream>(submit_error(gen.error()));
    return std::make_unique<LocalStream>(std::move(*engine), std::move(*gen), n_choices, logprobs, params.keep_going);
  }

  std::vector<ProviderStat> stats() const override {
    std::shared_ptr<eng::Engine> engine;
    {
      std::lock_guard lk(mu_);
      engine = engine_;
    }
    if (!engine) return {};
    eng::EngineStats s = engine->stats();
    return {{"queue_length", "requests waiting for a sequence slot", static_cast<double>(s.queued)},
            {"active_sequences", "sequences being generated", static_cast<double>(s.active)},
            {"tokens_generated", "tokens sampled since start", static_cast<double>(s.tokens_generated)},
            {"prefill_tokens_per_second", "recent prompt throughput", s.prefill_tokens_per_second},
            {"decode_tokens_per_second", "recent generation throughput", s.decode_tokens_per_second},
            {"kv_cache_used_ratio", "share of KV positions held", s.kv_cache_used_ratio}};
  }

  Result<int64_t> count_prompt_tokens(const OpenParams& params) override {
    if (!params.request) return fail(ErrorKind::internal, "local: count_prompt_tokens() without a request");
    auto engine = get_engine();
    if (!engine) return std::unexpected(engine.error());
    auto req = to_generation_request(*params.request, 1, (*engine)->info().n_vocab);
    if (!req) return std::unexpected(req.error());
    auto ids = (*engine)->tokenize_prompt(*req);
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

  mutable std::mutex mu_;
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
