#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>

#include "local_engine/sampler.h"

// Designated initializers leave the other options at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace switchyard::engine;

namespace {

// probabilities {0.5, 0.3, 0.15, 0.05} as logits
std::vector<float> four() {
  return {std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)};
}

std::map<int32_t, int> histogram(SamplingOptions o, const std::vector<float>& logits, int n) {
  o.seed = 42;
  Sampler s(o, static_cast<int32_t>(logits.size()));
  std::map<int32_t, int> h;
  for (int i = 0; i < n; ++i) {
    auto l = logits;
    ++h[s.sample(l.data()).token];
  }
  return h;
}

std::set<int32_t> support(const std::map<int32_t, int>& h) {
  std::set<int32_t> s;
  for (auto [k, v] : h) s.insert(k);
  return s;
}

}  // namespace

TEST_CASE("temperature 0 is argmax", "[sampler]") {
  Sampler s({.temperature = 0.0f}, 5);
  std::vector<float> l{1, 5, 3, 5, -2};
  CHECK(s.sample(l.data()).token == 1);
  std::vector<float> m{0, 0, 0, 0, 9};
  CHECK(s.sample(m.data()).token == 4);
}

TEST_CASE("each filter keeps the expected tokens", "[sampler]") {
  const auto l = four();
  CHECK(support(histogram({.temperature = 1.0f}, l, 2000)) == std::set<int32_t>{0, 1, 2, 3});
  CHECK(support(histogram({.temperature = 1.0f, .top_k = 2}, l, 2000)) == std::set<int32_t>{0, 1});
  CHECK(support(histogram({.temperature = 1.0f, .top_k = 1}, l, 200)) == std::set<int32_t>{0});
  // 0.5 < 0.7 <= 0.8
  CHECK(support(histogram({.temperature = 1.0f, .top_p = 0.7f}, l, 2000)) == std::set<int32_t>{0, 1});
  CHECK(support(histogram({.temperature = 1.0f, .top_p = 0.5f}, l, 500)) == std::set<int32_t>{0});
  // keep p >= 0.4 * 0.5 = 0.2
  CHECK(support(histogram({.temperature = 1.0f, .min_p = 0.4f}, l, 2000)) == std::set<int32_t>{0, 1});
  // keep p >= 0.5 * 0.5^2 = 0.125
  CHECK(support(histogram({.temperature = 1.0f, .top_a = 0.5f}, l, 2000)) == std::set<int32_t>{0, 1, 2});
  // frequencies follow the renormalised distribution: 0.5/0.8 = 0.625
  const auto h = histogram({.temperature = 1.0f, .top_p = 0.7f}, l, 4000);
  CHECK(h.at(0) / 4000.0 == Approx(0.625).margin(0.03));
  // low temperature sharpens
  const auto cold = histogram({.temperature = 0.1f}, l, 1000);
  CHECK(cold.at(0) > 990);
}

TEST_CASE("top_p over a big vocabulary sorts only what it needs and stays correct", "[sampler]") {
  std::vector<float> l(32000, 0.0f);
  for (int i = 0; i < 10; ++i) l[static_cast<size_t>(i * 1000)] = 20.0f;  // 10 tokens share ~all mass
  const auto h = histogram({.temperature = 1.0f, .top_p = 0.9f}, l, 500);
  for (auto [tok, n] : h) CHECK(tok % 1000 == 0);
}

TEST_CASE("same seed, same tokens, other seed, other tokens", "[sampler]") {
  std::vector<float> base(100);
  for (int i = 0; i < 100; ++i) base[static_cast<size_t>(i)] = std::sin(static_cast<float>(i)) * 2;
  auto run = [&](uint64_t seed) {
    Sampler s({.temperature = 1.0f, .seed = seed}, 100);
    std::vector<int32_t> out;
    for (int i = 0; i < 50; ++i) {
      auto l = base;
      out.push_back(s.sample(l.data()).token);
    }
    return out;
  };
  CHECK(run(7) == run(7));
  CHECK(run(7) != run(8));
}

TEST_CASE("penalties follow OpenAI and llama.cpp arithmetic", "[sampler]") {
  Sampler s({.temperature = 0.0f, .frequency_penalty = 0.5f, .presence_penalty = 1.0f,
             .repetition_penalty = 2.0f},
            4);
  const std::vector<int32_t> prompt{0, 1};
  s.set_prompt(prompt);
  std::vector<float> l{2.0f, -2.0f, 10.0f, 0.0f};
  CHECK(s.sample(l.data()).token == 2);  // token 2 is not in the prompt window yet
  CHECK(l[0] == 1.0f);                   // 2 / rp
  CHECK(l[1] == -4.0f);                  // -2 * rp
  CHECK(l[2] == 10.0f);
  std::vector<float> m{2.0f, -2.0f, 10.0f, 0.0f};
  s.sample(m.data());                    // 2 now counted once and in the window
  CHECK(m[2] == Approx(10.0f / 2.0f - (1 * 0.5f + 1.0f)));
  std::vector<float> n{2.0f, -2.0f, 10.0f, 0.0f};
  s.sample(n.data());                    // counted twice
  CHECK(n[2] == Approx(10.0f / 2.0f - (2 * 0.5f + 1.0f)));
}

TEST_CASE("logit_bias moves the choice", "[sampler]") {
  Sampler s({.temperature = 0.0f, .logit_bias = {{3, 100.0f}, {0, -100.0f}}}, 4);
  std::vector<float> l{5, 1, 1, 1};
  CHECK(s.sample(l.data()).token == 3);
}

TEST_CASE("logprobs are the log-softmax of the raw logits", "[sampler]") {
  Sampler s({.temperature = 0.0f, .logit_bias = {{0, 50.0f}}, .logprobs = true, .top_logprobs = 2}, 3);
  std::vector<float> l{0.0f, std::log(2.0f), std::log(4.0f)};
  const auto r = s.sample(l.data());
  CHECK(r.token == 0);  // chosen through the bias
  CHECK(r.logprob == Approx(std::log(1.0 / 7.0)));  // reported without it
  REQUIRE(r.top.size() == 2);
  CHECK(r.top[0].token == 2);
  CHECK(r.top[0].logprob == Approx(std::log(4.0 / 7.0)));
  CHECK(r.top[1].token == 1);
  CHECK(r.top[1].logprob == Approx(std::log(2.0 / 7.0)));
}

TEST_CASE("a token mask applies before the filters: they choose among the allowed tokens", "[sampler]") {
  const std::vector<uint64_t> only_1_and_3 = {(1u << 1) | (1u << 3)};
  auto masked = [&](SamplingOptions o, int n) {
    o.seed = 7;
    Sampler s(o, 4);
    std::map<int32_t, int> h;
    for (int i = 0; i < n; ++i) {
      auto l = four();
      ++h[s.sample(l.data(), only_1_and_3).token];
    }
    return h;
  };
  CHECK(support(masked({.temperature = 0}, 5)) == std::set<int32_t>{1});
  // top_k 1 keeps the best allowed token (1), not the best overall (0).
  CHECK(support(masked({.temperature = 1, .top_k = 1}, 200)) == std::set<int32_t>{1});
  // top_p 0.8 over the renormalized {0.3, 0.05}: 1 alone reaches it.
  CHECK(support(masked({.temperature = 1, .top_p = 0.8f}, 200)) == std::set<int32_t>{1});
  const auto h = masked({.temperature = 1}, 4000);
  CHECK(support(h) == std::set<int32_t>{1, 3});
  CHECK(double(h.at(1)) / 4000 == Approx(0.3 / 0.35).margin(0.03));

  Sampler s({.temperature = 1, .seed = 1}, 4);
  auto l = four();
  const std::vector<uint64_t> none = {0};
  CHECK(s.sample(l.data(), none).token == -1);
}

TEST_CASE("logprobs under a mask are still those of the raw distribution", "[sampler]") {
  Sampler s({.temperature = 0, .logprobs = true, .top_logprobs = 2}, 4);
  auto l = four();
  const std::vector<uint64_t> only_2 = {1u << 2};
  const SampledToken t = s.sample(l.data(), only_2);
  CHECK(t.token == 2);
  CHECK(t.logprob == Approx(std::log(0.15)).margin(1e-5));
  REQUIRE(t.top.size() == 2);
  CHECK(t.top[0].token == 0);
}
