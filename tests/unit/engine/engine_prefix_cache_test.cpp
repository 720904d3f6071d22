// The prefix cache in the scheduler, over the fake model (whose logits are a function of
// the tokens a slot holds, so a wrong block loaded would change the output): hits reported
// in usage, whole blocks only, the prompt's remainder prefilled, eviction within the
// budget, identical greedy output with and without the cache, alone or batched.
#include <catch2/catch.hpp>

#include <thread>

#include "engine_harness.h"

using namespace switchyard::engine;
using test::drain;

namespace {

constexpr size_t kPositionBytes = test::FakeModel::kFakeBytesPerPosition;

GenerationRequest chat(const std::string& system, const std::string& user, int max_tokens = 8) {
  GenerationRequest r;
  r.messages = {{"system", system}, {"user", user}};
  r.sampling.temperature = 0;
  r.max_tokens = max_tokens;
  return r;
}

std::string long_system() {
  std::string s;
  for (int i = 0; i < 30; ++i) s += "hello abc ";
  return s;
}

size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

int64_t forwarded(test::FakeEngine& m) {
  std::lock_guard lk(m.stats->mu);
  return m.stats->tokens_forwarded;
}

}  // namespace

TEST_CASE("prefix cache: a repeated system prompt is read back in whole blocks, output unchanged", "[engine][prefix_cache]") {
  auto cached = test::make_fake_engine({.n_seq = 2, .max_queue = 2, .prefix_cache_bytes = 4096 * kPositionBytes});
  auto plain = test::make_fake_engine({.n_seq = 2, .max_queue = 2});
  CHECK(cached.engine->info().prefix_cache_positions == 4096);
  CHECK(plain.engine->info().prefix_cache_positions == 0);
  const auto first = chat(long_system(), "hello");
  const auto second = chat(long_system(), "abc abc");

  auto g1 = cached.engine->submit(first);
  REQUIRE(g1.has_value());
  CHECK(drain(**g1).usage.cached_tokens == 0);
  const int64_t before = forwarded(cached);
  auto g2 = cached.engine->submit(second);
  REQUIRE(g2.has_value());
  const auto hit = drain(**g2);

  const auto p1 = *cached.engine->tokenize_prompt(first);
  const auto p2 = *cached.engine->tokenize_prompt(second);
  const size_t expect = std::min(common_prefix(p1, p2), p2.size() - 1) / 16 * 16;
  REQUIRE(expect >= 64);
  CHECK(hit.usage.cached_tokens == int64_t(expect));
  CHECK(hit.usage.prompt_tokens == int64_t(p2.size()));
  // Only the rest of the prompt and the decode steps went through the model.
  CHECK(forwarded(cached) - before == int64_t(p2.size() - expect) + 7);

  auto g3 = plain.engine->submit(second);
  REQUIRE(g3.has_value());
  const auto reference = drain(**g3);
  CHECK(reference.usage.cached_tokens == 0);
  CHECK(hit.ids == reference.ids);
  CHECK(hit.text == reference.text);
}

TEST_CASE("prefix cache: a small budget evicts the least recently used prompt", "[engine][prefix_cache]") {
  // Room for 3 blocks of 16 positions.
  auto m = test::make_fake_engine({.n_seq = 1, .max_queue = 1, .prefix_cache_bytes = 48 * kPositionBytes});
  const auto a = chat(long_system(), "hello", 2);
  const auto b = chat("abc " + long_system(), "hello", 2);  // nothing in common with a's first block
  auto run = [&](const GenerationRequest& r) {
    auto g = m.engine->submit(r);
    REQUIRE(g.has_value());
    return drain(**g).usage.cached_tokens;
  };
  CHECK(run(a) == 0);
  CHECK(run(a) == 48);  // all three blocks
  CHECK(run(b) == 0);   // b's blocks push a's out, leaf first
  CHECK(run(b) == 48);
  CHECK(run(a) == 0);
}

TEST_CASE("prefix cache: concurrent requests sharing a prefix equal their runs alone", "[engine][prefix_cache]") {
  std::vector<GenerationRequest> reqs;
  for (int i = 0; i < 6; ++i) reqs.push_back(chat(long_system(), "hello " + std::string(size_t(i + 1), 'a'), 12));
  auto plain = test::make_fake_engine({.n_seq = 6, .max_queue = 6});
  std::vector<std::vector<int32_t>> alone;
  for (const auto& r : reqs) {
    auto g = plain.engine->submit(r);
    REQUIRE(g.has_value());
    alone.push_back(drain(**g).ids);
  }
  auto cached = test::make_fake_engine({.n_seq = 6, .max_queue = 6, .prefill_chunk = 16,
                                        .prefix_cache_bytes = 4096 * kPositionBytes});
  // One request first, so the others find its blocks while it may still be decoding.
  auto warm = cached.engine->submit(reqs[0]);
  REQUIRE(warm.has_value());
  const auto first_event = (*warm)->next();  // its prompt is done (and cached)
  REQUIRE(first_event.has_value());
  REQUIRE(first_event->token.has_value());
  std::vector<test::Collected> together(reqs.size());
  std::vector<char> submitted(reqs.size(), 1);
  std::vector<std::thread> threads;
  for (size_t i = 1; i < reqs.size(); ++i)
    threads.emplace_back([&, i] {  // no assertion off the main thread (Catch2 v2)
      auto g = cached.engine->submit(reqs[i]);
      if (!g) submitted[i] = 0;
      else together[i] = drain(**g);
    });
  together[0] = drain(**warm);
  together[0].ids.insert(together[0].ids.begin(), first_event->token->id);
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < reqs.size(); ++i) {
    INFO("request " << i);
    CHECK(submitted[i]);
    CHECK(together[i].ids == alone[i]);
    if (i > 0) CHECK(together[i].usage.cached_tokens >= 64);
  }
}
