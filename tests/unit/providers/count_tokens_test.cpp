// Provider::count_prompt_tokens: exact for the local engine (it knows its tokenizer), a
// clear error for providers that do not.
#include <catch2/catch.hpp>

#include "providers/anthropic/anthropic_provider.h"
#include "providers/local/local_provider.h"
#include "unit/engine/engine_fake_model.h"
#include "unit/engine/test_vocab.h"

using namespace switchyard;
namespace eng = switchyard::engine;

namespace {

std::shared_ptr<eng::Engine> engine_for_counting() {
  auto tok = eng::Tokenizer::create(eng::test::small_vocab(eng::test::hello_tokens()));
  REQUIRE(tok.has_value());
  auto model = std::make_unique<eng::test::FakeModel>(tok->n_vocab(), 256, 1,
                                                      std::make_shared<eng::test::FakeModelStats>());
  auto e = eng::Engine::create(std::move(*tok), std::move(model), eng::EngineOptions{}, eng::ChatTemplateKind::vicuna);
  REQUIRE(e.has_value());
  return std::shared_ptr<eng::Engine>(std::move(*e));
}

ChatRequest chat(const std::string& text) {
  ChatRequest r;
  r.messages.push_back(Message{"user", text, {}, false, false, {}, {}, {}});
  return r;
}

}  // namespace

TEST_CASE("the local provider counts prompt tokens exactly as the engine would run them", "[local_provider]") {
  auto engine = engine_for_counting();
  auto provider = providers::local::make_local_provider(engine);
  ChatRequest short_one = chat("hello");
  ChatRequest long_one = chat("hello hello hello hello");
  OpenParams a{&short_one, nullptr, nullptr, 1};
  OpenParams b{&long_one, nullptr, nullptr, 1};
  auto n_short = provider->count_prompt_tokens(a);
  auto n_long = provider->count_prompt_tokens(b);
  REQUIRE(n_short.has_value());
  REQUIRE(n_long.has_value());
  CHECK(*n_long > *n_short);
  // The same count the engine reports as usage for a generation of that prompt.
  eng::GenerationRequest g;
  g.messages.push_back(eng::ChatMessage{"user", "hello"});
  auto ids = engine->tokenize_prompt(g);
  REQUIRE(ids.has_value());
  CHECK(*n_short == static_cast<int64_t>(ids->size()));
}

TEST_CASE("a provider that does not know its tokenizer says so", "[providers]") {
  auto provider = anthropic::make_anthropic_provider();
  ChatRequest r = chat("hi");
  ProviderConfig pc;
  pc.name = "claude";
  OpenParams p{&r, nullptr, &pc, 1};
  auto n = provider->count_prompt_tokens(p);
  REQUIRE_FALSE(n.has_value());
  CHECK(n.error().kind == ErrorKind::invalid_argument);
  CHECK(n.error().message.find("claude") != std::string::npos);
}
