#include <catch2/catch.hpp>

#include <thread>

#include "engine_harness.h"

using namespace switchyard::engine;

namespace {

using test::Collected;
using test::drain;
using test::greedy;

test::FakeEngine make_engine(int n_seq, int max_queue, int n_ctx = 256, int eos_after = 0, int prefill_chunk = 16) {
  return test::make_fake_engine({.n_seq = n_seq, .max_queue = max_queue, .n_ctx = n_ctx, .eos_after = eos_after,
                                 .prefill_chunk = prefill_chunk});
}

}  // namespace

TEST_CASE("engine: eight concurrent greedy requests equal each one alone", "[engine]") {
  std::vector<std::string> prompts;
  for (int i = 0; i < 8; ++i) prompts.push_back("hello " + std::string(static_cast<size_t>(i * 7 + 1), 'a') + " abc");
  std::vector<Collected> alone;
  {
    auto m = make_engine(8, 8);
    for (const auto& p : prompts) {
      auto g = m.engine->submit(greedy(p, 20));
      REQUIRE(g.has_value());
      alone.push_back(drain(**g));
    }
  }
  auto m = make_engine(8, 8);
  std::vector<std::unique_ptr<Generation>> gens;
  for (const auto& p : prompts) {
    auto g = m.engine->submit(greedy(p, 20));
    REQUIRE(g.has_value());
    gens.push_back(std::move(*g));
  }
  std::vector<Collected> together(8);
  std::vector<std::thread> readers;
  for (size_t i = 0; i < 8; ++i) readers.emplace_back([&, i] { together[i] = drain(*gens[i]); });
  for (auto& t : readers) t.join();
  for (size_t i = 0; i < 8; ++i) {
    INFO("request " << i);
    CHECK(together[i].ids == alone[i].ids);
    CHECK(together[i].text == alone[i].text);
    CHECK(together[i].finish == "length");
    CHECK(together[i].usage.completion_tokens == 20);
    CHECK(together[i].usage.prompt_tokens == alone[i].usage.prompt_tokens);
  }
  CHECK(m.stats->max_seqs_in_batch > 1);  // they really shared forwards
  CHECK(m.stats->max_batch <= 8 + 16);    // decode tokens + one prefill chunk
}

TEST_CASE("engine: raw prompt, usage, EOS and ignore_eos", "[engine]") {
  auto m = make_engine(2, 2, 256, /*eos_after=*/12);
  GenerationRequest r;
  r.prompt = "hello";  // BOS + ▁hello = 2 tokens; EOS becomes likely at 12 held tokens
  r.sampling.temperature = 0;
  r.max_tokens = 100;
  auto g = m.engine->submit(r);
  REQUIRE(g.has_value());
  CHECK((*g)->prompt_tokens() == 2);
  auto c = drain(**g);
  CHECK(c.finish == "stop");
  CHECK(c.native == "eos");
  CHECK(c.usage.prompt_tokens == 2);
  CHECK(c.usage.completion_tokens == 11);  // 2 + 10 fed, the 11th sampled is EOS
  CHECK(c.ids.back() == 2);
  r.ignore_eos = true;
  r.max_tokens = 30;
  auto g2 = m.engine->submit(r);
  REQUIRE(g2.has_value());
  auto c2 = drain(**g2);
  CHECK(c2.native == "length");
  CHECK(c2.usage.completion_tokens == 30);
}

TEST_CASE("engine: stop strings end the generation and are not emitted", "[engine]") {
  auto m = make_engine(1, 1);
  auto g = m.engine->submit(greedy("hello", 40));
  REQUIRE(g.has_value());
  const auto full = drain(**g);
  REQUIRE(full.text.size() > 8);
  const std::string stop = full.text.substr(5, 3);
  auto r = greedy("hello", 40);
  r.stop = {stop};
  auto g2 = m.engine->submit(r);
  REQUIRE(g2.has_value());
  const auto cut = drain(**g2);
  CHECK(cut.finish == "stop");
  CHECK(cut.native == "stop_string");
  CHECK(cut.text == full.text.substr(0, full.text.find(stop)));
}

TEST_CASE("engine: the queue is bounded and overflow fails at once with retry_after", "[engine]") {
  auto m = make_engine(1, 1);
  // Hold the model so `a` keeps its slot however fast the fake model is.
  m.stats->pause();
  auto a = m.engine->submit(greedy("hello", 200));
  auto b = m.engine->submit(greedy("hello", 200));
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());  // waits in the queue
  auto c = m.engine->submit(greedy("hello", 200));
  m.stats->resume();
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().kind == SubmitError::Kind::overloaded);
  CHECK(c.error().retry_after_seconds >= 1);
  (*a)->cancel();
  (*b)->cancel();
}

TEST_CASE("engine: cancellation frees the slot for the next request", "[engine]") {
  auto m = make_engine(1, 1);
  auto a = m.engine->submit(greedy("hello", 200));
  REQUIRE(a.has_value());
  auto first = (*a)->next();  // it is running
  REQUIRE(first.has_value());
  auto b = m.engine->submit(greedy("hello", 5));  // queued behind a
  REQUIRE(b.has_value());
  a->reset();  // destroying the handle cancels
  const auto c = drain(**b);
  CHECK(c.finish == "length");
  CHECK(c.usage.completion_tokens == 5);
  std::lock_guard lk(m.stats->mu);
  CHECK(m.stats->clears.size() >= 3);  // admit a, free a, admit b
}

TEST_CASE("engine: prompt longer than the context is refused, max_tokens is clipped", "[engine]") {
  auto m = make_engine(1, 1, /*n_ctx=*/16);
  auto g = m.engine->submit(greedy(std::string(200, 'a'), 10));
  REQUIRE_FALSE(g.has_value());
  CHECK(g.error().kind == SubmitError::Kind::invalid_request);
  CHECK(g.error().message.find("context") != std::string::npos);
  GenerationRequest r;
  r.prompt = "hello";
  r.sampling.temperature = 0;
  r.max_tokens = 1000;
  auto g2 = m.engine->submit(r);
  REQUIRE(g2.has_value());
  const auto c = drain(**g2);
  CHECK(c.usage.completion_tokens == 16 - 2);
  CHECK(c.finish == "length");
}

TEST_CASE("engine: seeded sampling is deterministic end to end", "[engine]") {
  auto m = make_engine(4, 4);
  auto run = [&](uint64_t seed) {
    GenerationRequest r = greedy("hello", 24);
    r.sampling.temperature = 1.0f;
    r.sampling.top_p = 0.9f;
    r.sampling.seed = seed;
    auto g = m.engine->submit(r);
    REQUIRE(g.has_value());
    return drain(**g).ids;
  };
  const auto a = run(11);
  CHECK(run(11) == a);
  CHECK(run(12) != a);
}

TEST_CASE("engine: logprobs come with each token", "[engine]") {
  auto m = make_engine(1, 1);
  auto r = greedy("hello", 3);
  r.sampling.logprobs = true;
  r.sampling.top_logprobs = 2;
  auto g = m.engine->submit(r);
  REQUIRE(g.has_value());
  int n = 0;
  while (auto ev = (*g)->next()) {
    if (ev->kind != GenerationEvent::Kind::delta) continue;
    REQUIRE(ev->token.has_value());
    CHECK(ev->token->logprob <= 0.0f);
    REQUIRE(ev->token->top.size() == 2);
    CHECK(ev->token->top[0].token == ev->token->id);  // greedy picks the top one
    ++n;
  }
  CHECK(n == 3);
}
