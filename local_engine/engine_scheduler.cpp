// The scheduler thread: continuous batching over the model's sequence slots.
//
// Each step: admit queued requests into free slots, drop cancelled sequences (freeing
// their KV slot), then build ONE batch holding the next token of every decoding sequence
// plus up to prefill_chunk prompt tokens of prefilling ones (oldest first), run one
// forward, and sample one token for every sequence whose logits came back.
#include <algorithm>

#include "local_engine/engine_impl.h"

namespace switchyard::engine {

namespace {

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct Sequence {
  PendingRequest req;
  int32_t slot = -1;
  size_t n_prompt_fed = 0;   // prompt tokens in the KV cache
  int32_t n_past = 0;        // positions in the KV cache
  int32_t last_token = -1;   // sampled, not yet fed
  int32_t n_generated = 0;
  Sampler sampler;
  StreamingDetokenizer detok;
  StopMatcher stop;
  Clock::time_point admitted, first_token;
  bool finished = false;

  Sequence(PendingRequest r, int32_t slot_, const Tokenizer& tok, int32_t n_vocab)
      : req(std::move(r)),
        slot(slot_),
        sampler(req.sampling, n_vocab),
        detok(tok, req.strip_leading_space),
        stop(req.stop),
        admitted(Clock::now()) {
    sampler.set_prompt(req.prompt);
  }
  bool prefilling() const { return n_prompt_fed < req.prompt.size(); }
  bool cancelled() const { return req.state->cancelled.load(); }
};

GenerationUsage usage_of(const Sequence& s) {
  GenerationUsage u;
  u.prompt_tokens = static_cast<int64_t>(s.req.prompt.size());
  u.completion_tokens = s.n_generated;
  u.queue_seconds = seconds(s.admitted - s.req.submitted);
  if (s.n_generated > 0) {
    u.prefill_seconds = seconds(s.first_token - s.admitted);
    u.decode_seconds = seconds(Clock::now() - s.first_token);
  } else {
    u.prefill_seconds = seconds(Clock::now() - s.admitted);
  }
  return u;
}

// Samples from one logits row and turns the token into events. Returns true when the
// sequence is finished (its finish event was pushed).
bool on_logits(Sequence& s, float* row, const Tokenizer& tok) {
  const SampledToken st = s.sampler.sample(row);
  if (s.n_generated == 0) s.first_token = Clock::now();
  ++s.n_generated;

  GenerationEvent ev;
  ev.token = GeneratedToken{st.token, tok.token_to_piece(st.token), st.logprob, st.top};
  std::string finish, native;
  if (st.token == tok.eos_id() && !s.req.ignore_eos) {
    finish = "stop";
    native = "eos";
  } else {
    auto r = s.stop.push(s.detok.push(st.token));
    ev.text = std::move(r.text);
    if (r.stopped) {
      finish = "stop";
      native = "stop_string";
    } else if (s.n_generated >= s.req.max_tokens) {
      finish = "length";
      native = "length";
    }
  }
  if (!finish.empty() && native != "stop_string") {
    // Release held-back text: incomplete UTF-8 and stop-string prefixes.
    auto r = s.stop.push(s.detok.flush());
    ev.text += r.text;
    if (r.stopped) {
      finish = "stop";
      native = "stop_string";
    } else {
      ev.text += s.stop.flush();
    }
  }
  s.last_token = st.token;
  if (finish.empty()) {
    s.req.state->push(std::move(ev), false);
    return false;
  }
  s.req.state->push(std::move(ev), false);
  GenerationEvent fin;
  fin.kind = GenerationEvent::Kind::finish;
  fin.finish_reason = finish;
  fin.native_finish_reason = native;
  fin.usage = usage_of(s);
  s.req.state->push(std::move(fin), true);
  return true;
}

void fail(Sequence& s, const std::string& message) {
  GenerationEvent ev;
  ev.kind = GenerationEvent::Kind::error;
  ev.error = message;
  ev.usage = usage_of(s);
  s.req.state->push(std::move(ev), true);
}

}  // namespace

void EngineCore::run() {
  const int32_t n_vocab = model->n_vocab();
  const int32_t n_sample = std::min(n_vocab, tokenizer.n_vocab());
  const int32_t n_slots = model->n_seq_max();
  std::vector<int32_t> free_slots;
  for (int32_t i = n_slots - 1; i >= 0; --i) free_slots.push_back(i);
  std::vector<std::unique_ptr<Sequence>> active;  // in admission order
  std::vector<BatchToken> batch;
  struct Row {
    Sequence* seq;
    bool decode;  // fed its last sampled token (else: the last prompt token)
  };
  std::vector<Row> rows;                          // owner of each logits row
  std::vector<std::pair<Sequence*, size_t>> fed;  // prompt tokens fed this step
  std::vector<float> logits(static_cast<size_t>(n_slots) * static_cast<size_t>(n_vocab));  // F32 [n_slots, n_vocab]

  auto release = [&](Sequence& s) {
    model->clear_seq(s.slot);
    free_slots.push_back(s.slot);
  };
  auto finish_step = [&](double request_seconds) {
    std::lock_guard lk(mu);
    avg_request_seconds = 0.8 * avg_request_seconds + 0.2 * request_seconds;
  };

  for (;;) {
    // 1. Admission (and the idle wait).
    {
      std::unique_lock lk(mu);
      wake.wait(lk, [&] { return stopping || !pending.empty() || !active.empty(); });
      if (stopping) break;
      std::erase_if(pending, [](const PendingRequest& p) {
        if (!p.state->cancelled.load()) return false;
        p.state->close();
        return true;
      });
      while (!free_slots.empty() && !pending.empty()) {
        const int32_t slot = free_slots.back();
        free_slots.pop_back();
        model->clear_seq(slot);
        active.push_back(std::make_unique<Sequence>(std::move(pending.front()), slot, tokenizer, n_sample));
        pending.pop_front();
      }
      n_active = active.size();
    }
    // 2. Cancelled sequences give their slot back now.
    std::erase_if(active, [&](const std::unique_ptr<Sequence>& s) {
      if (!s->cancelled()) return false;
      release(*s);
      s->req.state->close();
      return true;
    });
    if (active.empty()) {
      std::lock_guard lk(mu);
      n_active = 0;
      continue;
    }

    // 3. One batch: decode tokens first, then prompt chunks.
    batch.clear();
    rows.clear();
    fed.clear();
    for (auto& s : active) {
      if (s->prefilling()) continue;
      batch.push_back(BatchToken{s->last_token, s->n_past, s->slot, true});
      rows.push_back(Row{s.get(), true});
    }
    int budget = options.prefill_chunk;
    for (auto& s : active) {
      if (!s->prefilling() || budget <= 0) continue;
      const size_t n = std::min(s->req.prompt.size() - s->n_prompt_fed, static_cast<size_t>(budget));
      for (size_t i = 0; i < n; ++i) {
        const size_t k = s->n_prompt_fed + i;
        const bool last = k + 1 == s->req.prompt.size();
        batch.push_back(BatchToken{s->req.prompt[k], static_cast<int32_t>(k), s->slot, last});
        if (last) rows.push_back(Row{s.get(), false});
      }
      fed.emplace_back(s.get(), n);
      budget -= static_cast<int>(n);
    }

    // 4. Forward.
    auto ok = model->forward(batch, logits.data());
    if (!ok) {
      for (auto& s : active) {
        fail(*s, "local engine: forward failed: " + ok.error().message);
        release(*s);
      }
      active.clear();
      continue;
    }
    for (auto [s, n] : fed) {
      s->n_prompt_fed += n;
      s->n_past += static_cast<int32_t>(n);
    }

    // 5. Sample one token per returned row; finished sequences leave.
    for (size_t r = 0; r < rows.size(); ++r) {
      Sequence& s = *rows[r].seq;
      if (rows[r].decode) s.n_past += 1;  // the token just fed now holds a position
      if (s.cancelled()) continue;        // dropped at the next step
      s.finished = on_logits(s, logits.data() + r * static_cast<size_t>(n_vocab), tokenizer);
      if (s.finished) finish_step(seconds(Clock::now() - s.admitted));
    }
    std::erase_if(active, [&](const std::unique_ptr<Sequence>& s) {
      if (!s->finished) return false;
      release(*s);
      return true;
    });
    std::lock_guard lk(mu);
    n_active = active.size();
  }

  // Shutdown: everyone still waiting gets an error.
  for (auto& s : active) fail(*s, "local engine shut down");
  std::lock_guard lk(mu);
  for (auto& p : pending) {
    GenerationEvent ev;
    ev.kind = GenerationEvent::Kind::error;
    ev.error = "local engine shut down";
    p.state->push(std::move(ev), true);
  }
  pending.clear();
}

}  // namespace switchyard::engine
