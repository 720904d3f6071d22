// The scheduler thread: continuous batching over the model's sequence slots.
//
// Each step: admit queued requests into free slots (one per choice; the first choice's
// prompt starts from the longest prefix the prefix cache holds), drop cancelled sequences
// (freeing their slots), then build ONE batch holding the next token of every decoding
// sequence plus up to prefill_chunk prompt tokens of prefilling ones (oldest first), run one
// forward, and sample one token for every sequence whose logits came back. When the first
// choice's prompt is done its KV is copied to the other choices (n > 1) and its whole
// blocks go into the prefix cache; at the end of a choice, so do the blocks it generated.
#include <algorithm>

#include "local_engine/choice_constraint.h"
#include "local_engine/engine_output.h"

namespace switchyard::engine {

namespace {

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Choice i's seed: the request's own for choice 0, a splitmix64 step away for the others.
SamplingOptions choice_sampling(const SamplingOptions& base, int32_t choice) {
  SamplingOptions o = base;
  if (o.seed && choice > 0) {
    uint64_t z = *o.seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(choice);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    o.seed = z ^ (z >> 31);
  }
  return o;
}

struct Sequence {
  std::shared_ptr<RequestState> state;
  std::shared_ptr<const RequestSpec> spec;
  int32_t choice = 0;
  int32_t slot = -1;
  size_t n_prompt_fed = 0;     // prompt tokens in the KV cache
  int32_t n_past = 0;          // positions in the KV cache
  int32_t last_token = -1;     // sampled, not yet fed
  int32_t n_generated = 0;
  int32_t cached_tokens = 0;   // prompt tokens loaded from the prefix cache
  std::vector<int32_t> generated;
  Sampler sampler;
  ChoiceConstraint constraint;
  ChoiceOutput output;
  Clock::time_point submitted, admitted, first_token;
  bool waiting_fork = false;   // a later choice: its KV comes from choice 0's prompt
  bool finished = false;

  Sequence(const PendingRequest& p, int32_t choice_, int32_t slot_, const Tokenizer& tok, int32_t n_vocab)
      : state(p.state),
        spec(p.spec),
        choice(choice_),
        slot(slot_),
        sampler(choice_sampling(p.spec->sampling, choice_), n_vocab),
        constraint(p.spec->constraint, tok.eos_id()),
        output(tok, *p.spec, choice_),
        submitted(p.submitted),
        admitted(Clock::now()),
        waiting_fork(choice_ > 0) {
    sampler.set_prompt(spec->prompt);
  }
  bool prefilling() const { return !waiting_fork && n_prompt_fed < spec->prompt.size(); }
  bool decoding() const { return !waiting_fork && !prefilling(); }
  bool cancelled() const { return state->cancelled.load(); }
  // The tokens whose K/V the slot holds: the prompt, then the generated tokens fed so far.
  std::vector<int32_t> cached_history() const {
    std::vector<int32_t> h(spec->prompt.begin(), spec->prompt.end());
    h.insert(h.end(), generated.begin(), generated.end());
    h.resize(static_cast<size_t>(n_past));
    return h;
  }
};

GenerationUsage usage_of(const Sequence& s) {
  GenerationUsage u;
  u.prompt_tokens = static_cast<int64_t>(s.spec->prompt.size());
  u.completion_tokens = s.n_generated;
  u.cached_tokens = s.cached_tokens;
  u.queue_seconds = seconds(s.admitted - s.submitted);
  if (s.n_generated > 0) {
    u.prefill_seconds = seconds(s.first_token - s.admitted);
    u.decode_seconds = seconds(Clock::now() - s.first_token);
  } else {
    u.prefill_seconds = seconds(Clock::now() - s.admitted);
  }
  return u;
}

// Ends the whole request: the error closes its stream, and its other choices are dropped
// at the next step.
void fail(Sequence& s, const std::string& message) {
  s.state->cancelled = true;
  GenerationEvent ev;
  ev.kind = GenerationEvent::Kind::error;
  ev.choice = s.choice;
  ev.error = message;
  ev.usage = usage_of(s);
  s.state->push(std::move(ev), true);
}

class Scheduler {
 public:
  explicit Scheduler(EngineCore& core)
      : core_(core),
        model_(*core.model),
        n_vocab_(model_.n_vocab()),
        n_sample_(std::min(n_vocab_, core.tokenizer.n_vocab())),
        logits_(static_cast<size_t>(model_.n_seq_max()) * static_cast<size_t>(n_vocab_)) {
    for (int32_t i = model_.n_seq_max() - 1; i >= 0; --i) free_slots_.push_back(i);
  }

  void run() {
    while (admit()) {
      drop_cancelled();
      if (active_.empty()) continue;
      build_batch();
      const auto step_started = Clock::now();
      if (!forward()) continue;
      sample_rows();
      record_step(Clock::now() - step_started);
      retire_finished();
    }
    shutdown();
  }

 private:
  struct Row {
    Sequence* seq;
    bool decode;  // fed its last sampled token (else: the last prompt token)
  };

  // Waits for work and moves queued requests into free slots; false when stopping.
  bool admit() {
    std::unique_lock lk(core_.mu);
    core_.wake.wait(lk, [&] { return core_.stopping || !core_.pending.empty() || !active_.empty(); });
    if (core_.stopping) return false;
    std::erase_if(core_.pending, [](const PendingRequest& p) {
      if (!p.state->cancelled.load()) return false;
      p.state->close();
      return true;
    });
    while (!core_.pending.empty() && free_slots_.size() >= static_cast<size_t>(core_.pending.front().spec->n_choices)) {
      start(core_.pending.front());
      core_.pending.pop_front();
    }
    core_.n_active = active_.size();
    return true;
  }

  int32_t take_slot() {
    const int32_t slot = free_slots_.back();
    free_slots_.pop_back();
    model_.clear_seq(slot);
    return slot;
  }

  void start(const PendingRequest& p) {
    p.state->choices_left = p.spec->n_choices;
    for (int32_t c = 0; c < p.spec->n_choices; ++c)
      active_.push_back(std::make_unique<Sequence>(p, c, take_slot(), core_.tokenizer, n_sample_));
    load_cached_prefix(*active_[active_.size() - static_cast<size_t>(p.spec->n_choices)]);
  }

  // The longest cached run of whole blocks that starts the prompt (leaving at least one
  // prompt token to run, for the logits) goes into the slot by copy.
  void load_cached_prefix(Sequence& s) {
    if (!core_.prefix_cache) return;
    PrefixCache& cache = *core_.prefix_cache;
    const std::vector<int32_t> blocks = cache.lookup(s.spec->prompt, s.spec->prompt.size() - 1);
    const int32_t B = cache.block_tokens();
    for (size_t i = 0; i < blocks.size(); ++i) {
      if (!model_.load_from_pool(blocks[i], s.slot, static_cast<int32_t>(i) * B, B)) {
        model_.clear_seq(s.slot);  // prefill it all instead
        return disable_prefix_cache();
      }
    }
    s.cached_tokens = static_cast<int32_t>(blocks.size()) * B;
    s.n_prompt_fed = static_cast<size_t>(s.cached_tokens);
    s.n_past = s.cached_tokens;
  }

  // The whole blocks of `tokens` (K/V at positions [0, tokens.size()) of slot) that the
  // cache does not have yet are copied into its pool.
  void save_prefix(int32_t slot, std::span<const int32_t> tokens) {
    if (!core_.prefix_cache) return;
    const int32_t B = core_.prefix_cache->block_tokens();
    for (const PrefixCache::Placement& p : core_.prefix_cache->insert(tokens))
      if (!model_.save_to_pool(slot, p.block * B, p.pool_pos, B)) return disable_prefix_cache();
  }

  // A copy failed (a device error): the index may name KV that is not there, so it goes.
  void disable_prefix_cache() { core_.prefix_cache.reset(); }

  void release(Sequence& s) {
    model_.clear_seq(s.slot);
    free_slots_.push_back(s.slot);
  }

  void drop_cancelled() {
    std::erase_if(active_, [&](const std::unique_ptr<Sequence>& s) {
      if (!s->cancelled()) return false;
      release(*s);
      s->state->close();
      return true;
    });
    if (!active_.empty()) return;
    std::lock_guard lk(core_.mu);
    core_.n_active = 0;
  }

  // Decode tokens first, then prompt chunks (oldest first) within prefill_chunk.
  void build_batch() {
    batch_.clear();
    rows_.clear();
    fed_.clear();
    for (auto& s : active_) {
      if (!s->decoding()) continue;
      batch_.push_back(BatchToken{s->last_token, s->n_past, s->slot, true});
      rows_.push_back(Row{s.get(), true});
    }
    int budget = core_.options.prefill_chunk;
    for (auto& s : active_) {
      if (!s->prefilling() || budget <= 0) continue;
      const std::vector<int32_t>& prompt = s->spec->prompt;
      const size_t n = std::min(prompt.size() - s->n_prompt_fed, static_cast<size_t>(budget));
      for (size_t i = 0; i < n; ++i) {
        const size_t k = s->n_prompt_fed + i;
        const bool last = k + 1 == prompt.size();
        batch_.push_back(BatchToken{prompt[k], static_cast<int32_t>(k), s->slot, last});
        if (last) rows_.push_back(Row{s.get(), false});
      }
      fed_.emplace_back(s.get(), n);
      budget -= static_cast<int>(n);
    }
  }

  bool forward() {
    auto ok = model_.forward(batch_, logits_.data());
    if (!ok) {
      for (auto& s : active_) {
        fail(*s, "local engine: forward failed: " + ok.error().message);
        release(*s);
      }
      active_.clear();
      return false;
    }
    for (auto [s, n] : fed_) {
      s->n_prompt_fed += n;
      s->n_past += static_cast<int32_t>(n);
    }
    return true;
  }

  // Throughput as a moving average over steps, and how full the KV cache is.
  void record_step(Clock::duration took) {
    const double seconds = std::chrono::duration<double>(took).count();
    size_t decoded = 0;
    for (const Row& r : rows_) decoded += r.decode;
    const size_t prefilled = batch_.size() - decoded;
    auto ema = [&](std::atomic<double>& avg, size_t tokens) {
      if (tokens == 0 || seconds <= 0) return;
      avg.store(0.9 * avg.load() + 0.1 * (static_cast<double>(tokens) / seconds));
    };
    ema(core_.decode_tps, decoded);
    ema(core_.prefill_tps, prefilled);
    int64_t held = 0;
    for (auto& s : active_) held += s->n_past;
    core_.kv_used_ratio.store(static_cast<double>(held) /
                              (static_cast<double>(model_.n_seq_max()) * static_cast<double>(model_.n_ctx())));
  }

  void sample_rows() {
    for (size_t r = 0; r < rows_.size(); ++r) {
      Sequence& s = *rows_[r].seq;
      float* row = logits_.data() + r * static_cast<size_t>(n_vocab_);
      if (rows_[r].decode) s.n_past += 1;  // the token just fed now holds a position
      if (s.cancelled()) continue;         // dropped at the next step
      if (!rows_[r].decode) prompt_done(s, row);
      sample(s, row);
    }
  }

  // The first choice's prompt is in its slot: the other choices get copies of its KV and
  // sample their first token from the same logits; its whole blocks go to the cache.
  void prompt_done(Sequence& first, const float* row) {
    save_prefix(first.slot, first.spec->prompt);
    std::vector<float> own_row;
    for (auto& s : active_) {
      if (!s->waiting_fork || s->state != first.state) continue;
      if (auto r = model_.copy_seq(first.slot, s->slot, first.n_past); !r) {
        fail(*s, "local engine: copying the prompt to choice " + std::to_string(s->choice) + " failed: " + r.error().message);
        s->finished = true;
        continue;
      }
      s->waiting_fork = false;
      s->n_prompt_fed = first.n_prompt_fed;
      s->n_past = first.n_past;
      s->cached_tokens = first.cached_tokens;
      own_row.assign(row, row + n_vocab_);  // sampling changes the row it reads
      sample(*s, own_row.data());
    }
  }

  // Samples one token from the row (within the constraint's mask) and turns it into events.
  void sample(Sequence& s, float* row) {
    const SampledToken st = s.sampler.sample(row, s.constraint.allowed());
    if (st.token < 0) {
      fail(s, "local engine: the output constraint allows no token of this vocabulary here");
      s.finished = true;
      return;
    }
    if (s.n_generated == 0) s.first_token = Clock::now();
    ++s.n_generated;
    core_.tokens_generated.fetch_add(1, std::memory_order_relaxed);
    s.generated.push_back(st.token);
    s.last_token = st.token;
    const ChoiceConstraint::Fed fed = s.constraint.feed(st.token, core_.tokenizer.token_to_piece(st.token));
    if (fed == ChoiceConstraint::Fed::rejected) {
      fail(s, "local engine: the sampled token does not fit the output constraint");
      s.finished = true;
      return;
    }
    ChoiceOutput::Step step = s.output.on_token(st, s.n_generated);
    if (fed == ChoiceConstraint::Fed::abandoned) s.output.abandon_tool_calls(step);
    if (fed == ChoiceConstraint::Fed::finished && step.finish.empty()) s.output.end(step, "stop", "grammar");
    step.delta.choice = s.choice;
    s.state->push(std::move(step.delta), false);
    if (step.finish.empty()) return;
    GenerationEvent fin;
    fin.kind = GenerationEvent::Kind::finish;
    fin.choice = s.choice;
    fin.finish_reason = step.finish;
    fin.native_finish_reason = step.native;
    fin.usage = usage_of(s);
    s.state->push_finish(std::move(fin));
    s.finished = true;
  }

  void retire_finished() {
    std::erase_if(active_, [&](const std::unique_ptr<Sequence>& s) {
      if (!s->finished) return false;
      save_prefix(s->slot, s->cached_history());
      const double request_seconds = seconds(Clock::now() - s->admitted);
      release(*s);
      std::lock_guard lk(core_.mu);
      core_.avg_request_seconds = 0.8 * core_.avg_request_seconds + 0.2 * request_seconds;
      return true;
    });
    std::lock_guard lk(core_.mu);
    core_.n_active = active_.size();
  }

  // Everyone still running or waiting gets an error.
  void shutdown() {
    for (auto& s : active_) fail(*s, "local engine shut down");
    std::lock_guard lk(core_.mu);
    for (auto& p : core_.pending) {
      GenerationEvent ev;
      ev.kind = GenerationEvent::Kind::error;
      ev.error = "local engine shut down";
      p.state->push(std::move(ev), true);
    }
    core_.pending.clear();
  }

  EngineCore& core_;
  BatchModel& model_;
  const int32_t n_vocab_;
  const int32_t n_sample_;  // ids the tokenizer knows (the model's output may be padded)
  std::vector<int32_t> free_slots_;
  std::vector<std::unique_ptr<Sequence>> active_;  // in admission order
  std::vector<BatchToken> batch_;
  std::vector<Row> rows_;                          // owner of each logits row
  std::vector<std::pair<Sequence*, size_t>> fed_;  // prompt tokens fed this step
  std::vector<float> logits_;                      // F32 [n_slots, n_vocab]
};

}  // namespace

void EngineCore::run() { Scheduler(*this).run(); }

}  // namespace switchyard::engine
