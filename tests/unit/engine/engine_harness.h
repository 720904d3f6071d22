// An Engine over the deterministic FakeModel and the small test vocabulary, and a drain
// that collects every choice's tokens, text, finish and usage: shared by the scheduler tests.
#pragma once

#include <catch2/catch.hpp>

#include <map>

#include "engine_fake_model.h"
#include "local_engine/engine.h"
#include "test_vocab.h"

namespace switchyard::engine::test {

struct FakeEngineParams {
  int n_seq = 1;
  int max_queue = 1;
  int n_ctx = 256;
  int eos_after = 0;              // the fake makes EOS likely from this many held tokens (0: never)
  int prefill_chunk = 16;
  size_t prefix_cache_bytes = 0;  // off unless a test is about it
  int max_choices = 4;
};

struct FakeEngine {
  std::unique_ptr<Engine> engine;
  std::shared_ptr<FakeModelStats> stats;
};

inline FakeEngine make_fake_engine(const FakeEngineParams& p) {
  auto tok = Tokenizer::create(small_vocab(hello_tokens()));
  REQUIRE(tok.has_value());
  auto stats = std::make_shared<FakeModelStats>();
  auto model = std::make_unique<FakeModel>(tok->n_vocab(), p.n_ctx, p.n_seq, stats, p.eos_after);
  EngineOptions o;
  o.max_queue = p.max_queue;
  o.prefill_chunk = p.prefill_chunk;
  o.prefix_cache_bytes = p.prefix_cache_bytes;
  o.max_choices = p.max_choices;
  auto e = Engine::create(std::move(*tok), std::move(model), o, ChatTemplateKind::vicuna);
  REQUIRE(e.has_value());
  return {std::move(*e), stats};
}

struct ChoiceResult {
  std::string text;
  std::vector<int32_t> ids;
  std::string finish, native;
  GenerationUsage usage;
};

// Choice 0's result at the top level; every choice's in `choices`.
struct Collected : ChoiceResult {
  std::map<int32_t, ChoiceResult> choices;
  std::string error;
};

inline Collected drain(Generation& g) {
  Collected c;
  while (auto ev = g.next()) {
    ChoiceResult& r = c.choices[ev->choice];
    if (ev->kind == GenerationEvent::Kind::delta) {
      r.text += ev->text;
      if (ev->token) r.ids.push_back(ev->token->id);
    } else if (ev->kind == GenerationEvent::Kind::finish) {
      r.finish = ev->finish_reason;
      r.native = ev->native_finish_reason;
      r.usage = ev->usage;
    } else {
      c.error = ev->error;
    }
  }
  if (c.choices.count(0)) static_cast<ChoiceResult&>(c) = c.choices[0];
  return c;
}

inline GenerationRequest greedy(const std::string& user, int max_tokens) {
  GenerationRequest r;
  r.messages = {{"user", user}};
  r.sampling.temperature = 0;
  r.max_tokens = max_tokens;
  return r;
}

}  // namespace switchyard::engine::test
