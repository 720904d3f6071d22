#include <algorithm>
#include <cmath>

#include "local_engine/engine_impl.h"

namespace switchyard::engine {

// ---------------------------------------------------------------- Generation

Generation::~Generation() { cancel(); }

void Generation::cancel() {
  if (!state_ || state_->cancelled.exchange(true)) return;
  core_->notify();
}

bool Generation::wait_for(std::chrono::milliseconds timeout) {
  if (finished_) return true;
  std::unique_lock lk(state_->mu);
  return state_->cv.wait_for(lk, timeout, [&] { return !state_->events.empty() || state_->closed; });
}

std::optional<GenerationEvent> Generation::next() {
  if (finished_) return std::nullopt;
  std::unique_lock lk(state_->mu);
  state_->cv.wait(lk, [&] { return !state_->events.empty() || state_->closed; });
  if (state_->events.empty()) {
    finished_ = true;
    return std::nullopt;
  }
  GenerationEvent ev = std::move(state_->events.front());
  state_->events.pop_front();
  if (ev.kind == GenerationEvent::Kind::error || (state_->closed && state_->events.empty())) finished_ = true;
  return ev;
}

// ---------------------------------------------------------------- Engine

namespace {

// The prefix cache's pool, when asked for; without one the engine still runs.
void reserve_prefix_cache(EngineCore& core) {
  const EngineOptions& o = core.options;
  if (o.prefix_cache_bytes == 0) return;
  auto positions = core.model->reserve_pool(o.prefix_cache_bytes);
  if (!positions) {
    core.info.prefix_cache_note = "no prefix cache: " + positions.error().message;
    return;
  }
  const int32_t block = std::max(1, o.prefix_block_tokens);
  if (*positions < block) {
    core.info.prefix_cache_note = "no prefix cache: prefix_cache_bytes holds less than one block";
    return;
  }
  core.prefix_cache.emplace(block, *positions);
  core.info.prefix_cache_positions = size_t(core.prefix_cache->capacity_blocks()) * size_t(block);
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::create(Tokenizer tokenizer, std::unique_ptr<BatchModel> model,
                                               const EngineOptions& options, ChatTemplateKind chat_template) {
  if (!model) return std::unexpected(Error{"engine: no model"});
  if (model->n_seq_max() < 1 || model->n_ctx() < 2 || model->n_vocab() < 1)
    return std::unexpected(Error{"engine: model has no room (n_seq_max, n_ctx or n_vocab too small)"});
  if (tokenizer.n_vocab() > model->n_vocab())
    return std::unexpected(Error{"engine: tokenizer has " + std::to_string(tokenizer.n_vocab()) +
                                 " tokens but the model's output has " + std::to_string(model->n_vocab())});
  auto core = std::make_shared<EngineCore>(std::move(tokenizer));
  core->options = options;
  core->options.prefill_chunk = std::max(1, options.prefill_chunk);
  core->options.max_queue = std::max(0, options.max_queue);
  core->info.n_ctx = model->n_ctx();
  core->info.n_seq_max = model->n_seq_max();
  core->info.n_vocab = model->n_vocab();
  core->info.chat_template = chat_template;
  core->model = std::move(model);
  core->constraints = std::make_unique<ConstraintCompiler>(core->tokenizer, chat_template);
  reserve_prefix_cache(*core);
  core->thread = std::thread([c = core.get()] { c->run(); });
  std::unique_ptr<Engine> e(new Engine());
  e->core_ = std::move(core);
  return e;
}

Engine::~Engine() {
  if (!core_) return;
  {
    std::lock_guard lk(core_->mu);
    core_->stopping = true;
  }
  core_->notify();
  if (core_->thread.joinable()) core_->thread.join();
}

const Tokenizer& Engine::tokenizer() const { return core_->tokenizer; }
const EngineInfo& Engine::info() const { return core_->info; }

size_t Engine::queued() const {
  std::lock_guard lk(core_->mu);
  return core_->pending.size();
}

size_t Engine::active() const {
  std::lock_guard lk(core_->mu);
  return core_->n_active;
}

EngineStats Engine::stats() const {
  EngineStats s;
  s.queued = queued();
  s.active = active();
  s.tokens_generated = core_->tokens_generated.load();
  s.prefill_tokens_per_second = core_->prefill_tps.load();
  s.decode_tokens_per_second = core_->decode_tps.load();
  s.kv_cache_used_ratio = core_->kv_used_ratio.load();
  return s;
}

std::expected<std::vector<int32_t>, SubmitError> Engine::tokenize_prompt(const GenerationRequest& r) const {
  const Tokenizer& tok = core_->tokenizer;
  std::vector<int32_t> ids;
  if (r.prompt) {
    ids = tok.encode(*r.prompt, EncodeOptions{.add_bos = true, .parse_special = false});
  } else {
    if (r.messages.empty())
      return std::unexpected(SubmitError{SubmitError::Kind::invalid_request, "no messages and no prompt", 0});
    RenderParams p;
    p.kind = core_->info.chat_template;
    p.tokens = TemplateTokens::from(tok);
    if (ConstraintCompiler::shows_tools(r)) p.tools = r.tools;
    ids = tok.encode_segments(render_chat(r.messages, p), true);
  }
  if (ids.empty())
    return std::unexpected(SubmitError{SubmitError::Kind::invalid_request, "the prompt is empty", 0});
  return ids;
}

std::expected<std::unique_ptr<Generation>, SubmitError> Engine::submit(GenerationRequest r) {
  auto ids = tokenize_prompt(r);
  if (!ids) return std::unexpected(ids.error());
  const int64_t n_ctx = core_->info.n_ctx;
  const int64_t n_prompt = static_cast<int64_t>(ids->size());
  if (n_prompt >= n_ctx)
    return std::unexpected(SubmitError{SubmitError::Kind::invalid_request,
                                       "the prompt is " + std::to_string(n_prompt) +
                                           " tokens; the context holds " + std::to_string(n_ctx) +
                                           " (prompt plus at least one generated token)",
                                       0});
  if (r.max_tokens < 0)
    return std::unexpected(SubmitError{SubmitError::Kind::invalid_request, "max_tokens must be >= 0", 0});
  const int max_choices = std::min(core_->options.max_choices, core_->info.n_seq_max);
  if (r.n < 1 || r.n > max_choices)
    return std::unexpected(SubmitError{SubmitError::Kind::invalid_request,
                                       "n must be between 1 and " + std::to_string(max_choices) +
                                           " on this engine (got " + std::to_string(r.n) + ")",
                                       0});
  auto constraint = core_->constraints->compile(r);
  if (!constraint) return std::unexpected(SubmitError{SubmitError::Kind::invalid_request, constraint.error().message, 0});
  const int64_t room = n_ctx - n_prompt;
  const int32_t max_tokens = static_cast<int32_t>(r.max_tokens == 0 ? room : std::min<int64_t>(r.max_tokens, room));

  auto spec = std::make_shared<RequestSpec>();
  spec->prompt = std::move(*ids);
  spec->sampling = std::move(r.sampling);
  spec->max_tokens = max_tokens;
  spec->stop = std::move(r.stop);
  spec->ignore_eos = r.ignore_eos;
  spec->strip_leading_space = r.strip_leading_space.value_or(!r.prompt.has_value());
  spec->n_choices = r.n;
  spec->constraint = std::move(*constraint);
  auto state = std::make_shared<RequestState>();
  state->choices_left = r.n;
  PendingRequest p{state, std::move(spec), Clock::now()};
  {
    std::lock_guard lk(core_->mu);
    if (core_->stopping)
      return std::unexpected(SubmitError{SubmitError::Kind::shutting_down, "the engine is shutting down", 1});
    const size_t slots = static_cast<size_t>(core_->info.n_seq_max);
    const size_t free_slots = slots > core_->n_active ? slots - core_->n_active : 0;
    if (core_->pending.size() >= free_slots + static_cast<size_t>(core_->options.max_queue)) {
      const double waves = 1.0 + static_cast<double>(core_->pending.size()) / static_cast<double>(slots);
      const int retry = static_cast<int>(std::clamp(std::ceil(core_->avg_request_seconds * waves), 1.0, 120.0));
      return std::unexpected(SubmitError{
          SubmitError::Kind::overloaded,
          "local engine is at capacity: " + std::to_string(core_->n_active) + " generations running, " +
              std::to_string(core_->pending.size()) + " queued (max_queue " +
              std::to_string(core_->options.max_queue) + ")",
          retry});
    }
    core_->pending.push_back(std::move(p));
    ++core_->wake_count;
  }
  core_->wake.notify_all();
  return std::unique_ptr<Generation>(new Generation(std::move(state), core_, n_prompt));
}

}  // namespace switchyard::engine
