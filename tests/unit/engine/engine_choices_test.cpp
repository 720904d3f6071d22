// n > 1: the prompt is prefilled once and its KV copied to the other choices; each choice
// samples with its own seeded stream, so a seed reproduces every choice, and choice 0
// equals the n = 1 answer.
#include <catch2/catch.hpp>

#include "engine_harness.h"

using namespace switchyard::engine;
using test::drain;

namespace {

GenerationRequest sampled(int n, std::optional<uint64_t> seed) {
  GenerationRequest r = test::greedy("hello abc", 16);
  r.sampling.temperature = 1.0f;
  r.sampling.seed = seed;
  r.n = n;
  return r;
}

}  // namespace

TEST_CASE("choices: the prompt runs once, each choice has its own seeded stream", "[engine][choices]") {
  auto m = test::make_fake_engine({.n_seq = 4, .max_queue = 4});
  auto g = m.engine->submit(sampled(3, 77));
  REQUIRE(g.has_value());
  const auto three = drain(**g);
  REQUIRE(three.error.empty());
  REQUIRE(three.choices.size() == 3);
  const int64_t prompt = three.usage.prompt_tokens;
  for (const auto& [i, c] : three.choices) {
    INFO("choice " << i);
    CHECK(c.ids.size() == 16);
    CHECK(c.finish == "length");
    CHECK(c.usage.prompt_tokens == prompt);
    CHECK(c.usage.completion_tokens == 16);
  }
  CHECK(three.choices.at(0).ids != three.choices.at(1).ids);
  CHECK(three.choices.at(1).ids != three.choices.at(2).ids);
  {
    std::lock_guard lk(m.stats->mu);
    CHECK(m.stats->copies == 2);  // choices 1 and 2 got the prompt's KV by copy
    // The prompt went through the model once; then 15 decode steps fed 3 tokens each.
    CHECK(m.stats->tokens_forwarded == prompt + 15 * 3);
  }

  auto again = m.engine->submit(sampled(3, 77));
  REQUIRE(again.has_value());
  const auto repeat = drain(**again);
  for (int i = 0; i < 3; ++i) CHECK(repeat.choices.at(i).ids == three.choices.at(i).ids);
  auto one = m.engine->submit(sampled(1, 77));
  REQUIRE(one.has_value());
  CHECK(drain(**one).ids == three.choices.at(0).ids);
}

TEST_CASE("choices: greedy choices agree, and n beyond the bound or the slots is refused", "[engine][choices]") {
  auto m = test::make_fake_engine({.n_seq = 2, .max_queue = 2, .max_choices = 4});
  GenerationRequest r = test::greedy("hello", 8);
  r.n = 2;
  auto g = m.engine->submit(r);
  REQUIRE(g.has_value());
  const auto c = drain(**g);
  CHECK(c.choices.at(0).ids == c.choices.at(1).ids);
  r.n = 3;  // more than the 2 slots
  auto too_many = m.engine->submit(r);
  REQUIRE_FALSE(too_many.has_value());
  CHECK(too_many.error().kind == SubmitError::Kind::invalid_request);
  CHECK(too_many.error().message.find("n must be between 1 and 2") != std::string::npos);
  r.n = 0;
  CHECK_FALSE(m.engine->submit(r).has_value());
}

TEST_CASE("choices: a request for n slots waits until n are free, then all run", "[engine][choices]") {
  auto m = test::make_fake_engine({.n_seq = 2, .max_queue = 4});
  m.stats->pause();  // keep `a` holding its slot until b is queued
  auto a = m.engine->submit(test::greedy("hello", 6));
  GenerationRequest two = test::greedy("abc", 6);
  two.n = 2;
  auto b = m.engine->submit(two);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  m.stats->resume();
  CHECK(drain(**a).ids.size() == 6);
  const auto both = drain(**b);
  REQUIRE(both.choices.size() == 2);
  CHECK(both.choices.at(1).ids.size() == 6);
}

TEST_CASE("choices: cancelling the handle ends every choice", "[engine][choices]") {
  auto m = test::make_fake_engine({.n_seq = 3, .max_queue = 4});
  GenerationRequest r = test::greedy("hello", 200);
  r.n = 3;
  auto g = m.engine->submit(r);
  REQUIRE(g.has_value());
  REQUIRE((*g)->next().has_value());  // running
  g->reset();
  // Only when all three slots came back can another 3-choice request run.
  r.max_tokens = 4;
  auto next = m.engine->submit(r);
  REQUIRE(next.has_value());
  const auto c = drain(**next);
  REQUIRE(c.choices.size() == 3);
  for (const auto& [i, choice] : c.choices) CHECK(choice.ids.size() == 4);
}
