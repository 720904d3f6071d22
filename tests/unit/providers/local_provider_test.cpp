// The local provider over an Engine with a fake batch model (tests/unit/engine helpers).
#include <catch2/catch.hpp>

#include "providers/local/local_provider.h"
#include "unit/engine/engine_fake_model.h"
#include "unit/engine/test_vocab.h"

using namespace switchyard;
namespace eng = switchyard::engine;

namespace {

std::shared_ptr<eng::Engine> fake_engine(int n_seq, int max_queue) {
  auto tok = eng::Tokenizer::create(eng::test::small_vocab(eng::test::hello_tokens()));
  REQUIRE(tok.has_value());
  auto stats = std::make_shared<eng::test::FakeModelStats>();
  auto model = std::make_unique<eng::test::FakeModel>(tok->n_vocab(), 256, n_seq, stats);
  eng::EngineOptions o;
  o.max_queue = max_queue;
  auto e = eng::Engine::create(std::move(*tok), std::move(model), o, eng::ChatTemplateKind::vicuna);
  REQUIRE(e.has_value());
  return std::shared_ptr<eng::Engine>(std::move(*e));
}

ChatRequest chat(const std::string& text) {
  ChatRequest r;
  r.messages.push_back(Message{"user", text, {}, false, false, {}, {}, {}});
  r.sampling.temperature = 0;
  return r;
}

}  // namespace

TEST_CASE("local provider: role, content, logprobs, finish, usage", "[local_provider]") {
  auto provider = providers::local::make_local_provider(fake_engine(2, 2));
  ChatRequest req = chat("hello");
  req.sampling.logprobs = true;
  req.sampling.top_logprobs = 2;
  OpenParams p{&req, nullptr, nullptr, 4};
  auto stream = provider->open(p);
  std::vector<Event> events;
  while (auto ev = stream->next()) events.push_back(*ev);
  REQUIRE(events.size() >= 4);
  CHECK(events.front().kind == EventKind::role);
  int logprob_events = 0;
  std::string text;
  for (const auto& e : events) {
    if (e.kind == EventKind::content) text += e.text;
    if (e.kind == EventKind::logprobs) {
      ++logprob_events;
      CHECK(e.logprobs_json.rfind("{\"content\":[{\"token\":", 0) == 0);
      CHECK(e.logprobs_json.find("\"top_logprobs\":[{") != std::string::npos);
      CHECK(e.logprobs_json.find("\"bytes\":[") != std::string::npos);
    }
  }
  CHECK(logprob_events == 4);
  CHECK_FALSE(text.empty());
  const Event& fin = events[events.size() - 2];
  CHECK(fin.kind == EventKind::finish);
  CHECK(fin.finish_reason == "length");
  CHECK(fin.native_finish_reason == "length");
  const Event& usage = events.back();
  CHECK(usage.kind == EventKind::usage);
  CHECK(usage.usage.completion_tokens == 4);
  CHECK(usage.usage.prompt_tokens > 10);
  CHECK_FALSE(usage.usage.estimated);
}

TEST_CASE("local provider: completion prompt and stop strings", "[local_provider]") {
  auto provider = providers::local::make_local_provider(fake_engine(1, 1));
  ChatRequest req;
  req.is_completion = true;
  req.prompt = "hello";
  req.sampling.temperature = 0;
  OpenParams p{&req, nullptr, nullptr, 3};
  auto stream = provider->open(p);
  int n = 0;
  while (auto ev = stream->next()) n += ev->kind == EventKind::usage ? static_cast<int>(ev->usage.prompt_tokens) : 0;
  CHECK(n == 2);  // BOS + ▁hello
}

TEST_CASE("local provider: a full queue is a 503 with Retry-After", "[local_provider]") {
  auto provider = providers::local::make_local_provider(fake_engine(1, 0));
  ChatRequest req = chat("hello");
  OpenParams p{&req, nullptr, nullptr, 500};
  auto busy = provider->open(p);
  auto first = busy->next();  // role
  REQUIRE(first.has_value());
  auto rejected = provider->open(p);
  auto ev = rejected->next();
  REQUIRE(ev.has_value());
  CHECK(ev->kind == EventKind::error);
  CHECK(ev->error.kind == ErrorKind::no_route);
  CHECK(ev->error.retry_after_seconds >= 1);
  CHECK_FALSE(rejected->next().has_value());
}

TEST_CASE("local provider: a missing model file is an error event, not a crash", "[local_provider]") {
  ProviderConfig cfg;
  cfg.name = "local";
  cfg.kind = "local";
  cfg.model_path = "/nonexistent/model.gguf";
  auto provider = providers::local::make_local_provider(cfg);
  ChatRequest req = chat("hello");
  OpenParams p{&req, nullptr, &cfg, 5};
  auto ev = provider->open(p)->next();
  REQUIRE(ev.has_value());
  CHECK(ev->kind == EventKind::error);
  CHECK(ev->error.kind == ErrorKind::upstream_unavailable);
}
