// The engine over a real (random-weight) demo model written to /tmp.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <thread>
#include <unistd.h>

#include "demo_engine.h"

using namespace switchyard::engine;

namespace {

using test::demo_model_path;

struct Run {
  std::vector<int32_t> ids;
  bool failed = false;  // not submitted, or an error event
};

// Asserts nothing: it also runs on the test's own threads, and Catch2 v2's assertions are
// for the main thread only (ThreadSanitizer saw two threads' CHECKs race).
Run run_quietly(Engine& e, GenerationRequest r, std::string* text = nullptr) {
  Run out;
  auto g = e.submit(std::move(r));
  if (!g) return Run{{}, true};
  while (auto ev = (*g)->next()) {
    if (ev->kind == GenerationEvent::Kind::error) out.failed = true;
    if (ev->kind == GenerationEvent::Kind::delta && ev->token) out.ids.push_back(ev->token->id);
    if (text) *text += ev->text;
  }
  return out;
}

std::vector<int32_t> run(Engine& e, GenerationRequest r, std::string* text = nullptr) {
  Run out = run_quietly(e, std::move(r), text);
  REQUIRE_FALSE(out.failed);
  return out.ids;
}

}  // namespace

TEST_CASE("engine over the demo model: batched greedy equals alone, seeded sampling repeats", "[engine]") {
  EngineOptions o;
  o.model_path = demo_model_path();
  o.threads = 2;
  o.n_ctx = 256;
  o.max_sequences = 8;
  o.prefill_chunk = 32;
  auto e = Engine::open(o);
  REQUIRE(e.has_value());
  CHECK((*e)->info().n_seq_max == 8);
  CHECK((*e)->info().chat_template == ChatTemplateKind::vicuna);

  std::vector<GenerationRequest> reqs;
  for (int i = 0; i < 8; ++i) {
    GenerationRequest r;
    r.messages = {{"user", "Tell me story number " + std::to_string(i) + std::string(static_cast<size_t>(i * 5), '!')}};
    r.sampling.temperature = 0;
    r.max_tokens = 12;
    r.ignore_eos = true;
    reqs.push_back(r);
  }
  std::vector<std::vector<int32_t>> alone;
  for (const auto& r : reqs) alone.push_back(run(**e, r));

  std::vector<Run> together(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < 8; ++i) threads.emplace_back([&, i] { together[i] = run_quietly(**e, reqs[i]); });
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < 8; ++i) {
    INFO("request " << i);
    CHECK(alone[i].size() == 12);
    CHECK_FALSE(together[i].failed);
    CHECK(together[i].ids == alone[i]);
  }

  GenerationRequest s = reqs[0];
  s.sampling.temperature = 0.8f;
  s.sampling.seed = 1234;
  std::string t1, t2;
  const auto a = run(**e, s, &t1);
  const auto b = run(**e, s, &t2);
  CHECK(a == b);
  CHECK(t1 == t2);
}

TEST_CASE("engine: an F16 KV cache takes half the memory and still generates", "[engine]") {
  auto open = [](KvType type) {
    EngineOptions o;
    o.model_path = demo_model_path();
    o.threads = 2;
    o.n_ctx = 256;
    o.max_sequences = 2;
    o.kv_type = type;
    auto e = Engine::open(o);
    REQUIRE(e.has_value());
    return std::move(*e);
  };
  auto f32 = open(KvType::f32);
  auto f16 = open(KvType::f16);
  CHECK(f32->info().kv_type == KvType::f32);
  CHECK(f16->info().kv_type == KvType::f16);
  REQUIRE(f32->info().kv_cache_bytes > 0);
  CHECK(f16->info().kv_cache_bytes * 2 == f32->info().kv_cache_bytes);
  GenerationRequest r;
  r.prompt = "Once upon a time";
  r.max_tokens = 12;
  r.ignore_eos = true;
  r.sampling.temperature = 0;
  auto a = run(*f32, r);
  auto b = run(*f16, r);
  CHECK(a.size() == 12);
  CHECK(b.size() == 12);
  // K/V rounded to F16 barely moves a random model's logits: the first token agrees.
  CHECK(a.front() == b.front());
}

TEST_CASE("engine over the demo model: greedy output is the same with and without the prefix cache", "[engine][prefix_cache]") {
  const KvType kv = GENERATE(KvType::f32, KvType::f16);
  auto open = [&](size_t cache_bytes) {
    EngineOptions o;
    o.model_path = demo_model_path();
    o.threads = 2;
    o.n_ctx = 1024;
    o.max_sequences = 2;
    o.prefill_chunk = 32;  // the cached run prefills its remainder in other chunks
    o.kv_type = kv;
    o.prefix_cache_bytes = cache_bytes;
    auto e = Engine::open(o);
    REQUIRE(e.has_value());
    return std::move(*e);
  };
  auto cached = open(size_t(64) << 20);
  auto plain = open(0);
  REQUIRE(cached->info().prefix_cache_positions > 0);
  std::string system;
  for (int i = 0; i < 8; ++i) system += "The model reads this long system prompt once. ";
  auto request = [&](const std::string& user) {
    GenerationRequest r;
    r.messages = {{"system", system}, {"user", user}};
    r.sampling.temperature = 0;
    r.max_tokens = 16;
    r.ignore_eos = true;
    return r;
  };
  run(*cached, request("First question?"));
  auto g = cached->submit(request("Second question, please."));
  REQUIRE(g.has_value());
  std::vector<int32_t> ids;
  int64_t cached_tokens = -1;
  while (auto ev = (*g)->next()) {
    if (ev->token) ids.push_back(ev->token->id);
    if (ev->kind == GenerationEvent::Kind::finish) cached_tokens = ev->usage.cached_tokens;
  }
  CHECK(cached_tokens >= 128);
  CHECK(ids == run(*plain, request("Second question, please.")));
}

TEST_CASE("engine over the demo model: n > 1 with a seed repeats every choice", "[engine][choices]") {
  EngineOptions o;
  o.model_path = demo_model_path();
  o.threads = 2;
  o.n_ctx = 256;
  o.max_sequences = 3;
  auto e = Engine::open(o);
  REQUIRE(e.has_value());
  GenerationRequest r;
  r.messages = {{"user", "Pick a word"}};
  r.sampling.temperature = 1.0f;
  r.sampling.seed = 99;
  r.max_tokens = 10;
  r.ignore_eos = true;
  r.n = 3;
  auto choices = [&] {
    auto g = (*e)->submit(r);
    REQUIRE(g.has_value());
    std::map<int32_t, std::vector<int32_t>> by_choice;
    while (auto ev = (*g)->next()) {
      REQUIRE(ev->kind != GenerationEvent::Kind::error);
      if (ev->token) by_choice[ev->choice].push_back(ev->token->id);
    }
    return by_choice;
  };
  const auto a = choices();
  REQUIRE(a.size() == 3);
  CHECK(choices() == a);
  CHECK(a.at(0) != a.at(1));
  r.n = 1;
  CHECK(run(**e, r) == a.at(0));
}
