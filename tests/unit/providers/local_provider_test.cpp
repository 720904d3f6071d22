// The local provider over an Engine with a fake batch model (tests/unit/engine helpers).
#include <catch2/catch.hpp>

#include <map>

#include "providers/local/local_provider.h"
#include "unit/engine/engine_fake_model.h"
#include "unit/engine/engine_harness.h"
#include "unit/engine/scripted_model.h"
#include "unit/engine/test_vocab.h"

using namespace switchyard;
namespace eng = switchyard::engine;

namespace {

// The scheduler tests' fake engine (its model's stats let a test hold the model still).
eng::test::FakeEngine fake(int n_seq, int max_queue) { return eng::test::make_fake_engine({.n_seq = n_seq, .max_queue = max_queue}); }

std::shared_ptr<eng::Engine> fake_engine(int n_seq, int max_queue) {
  return std::shared_ptr<eng::Engine>(std::move(fake(n_seq, max_queue).engine));
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
  auto made = fake(1, 0);
  auto stats = made.stats;
  auto provider = providers::local::make_local_provider(std::shared_ptr<eng::Engine>(std::move(made.engine)));
  ChatRequest req = chat("hello");
  OpenParams p{&req, nullptr, nullptr, 500};
  stats->pause();  // the first request holds the only slot however fast the fake model is
  auto busy = provider->open(p);
  auto first = busy->next();  // role
  REQUIRE(first.has_value());
  auto rejected = provider->open(p);
  stats->resume();
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

// ---------------------------------------------------------------- requests and answers

namespace {

std::vector<Event> drain_events(Provider& provider, const ChatRequest& req, int64_t max_tokens) {
  OpenParams p{&req, nullptr, nullptr, max_tokens};
  auto stream = provider.open(p);
  std::vector<Event> events;
  while (auto ev = stream->next()) events.push_back(*ev);
  return events;
}

}  // namespace

TEST_CASE("local provider: response_format in both APIs' shapes, tools, tool_choice, messages", "[local_provider]") {
  ChatRequest req = chat("hi");
  req.response_format_json = R"({"type":"json_schema","json_schema":{"name":"x","schema":{"type":"integer"},"strict":true}})";
  req.tools_json = R"([{"type":"function","function":{"name":"f","description":"does f","parameters":{"type":"object"}}},)"
                   R"({"type":"function","name":"g"}])";
  req.tool_choice_json = R"({"type":"function","function":{"name":"g"}})";
  req.parallel_tool_calls = false;
  req.n = 2;
  Message assistant{"assistant", "", {}, false, true, {}, {{"call_1", "function", "f", "{\"a\":1}"}}, {}};
  Message tool{"tool", "42", {}, false, false, "f", {}, "call_1"};
  req.messages.push_back(assistant);
  req.messages.push_back(tool);
  auto g = providers::local::to_generation_request(req, 7, 1000);
  REQUIRE(g.has_value());
  CHECK(g->response_format.kind == eng::ResponseFormat::Kind::json_schema);
  CHECK(g->response_format.schema_json == R"({"type":"integer"})");
  REQUIRE(g->tools.size() == 2);
  CHECK(g->tools[0].name == "f");
  CHECK(g->tools[0].description == "does f");
  CHECK(g->tools[0].parameters_json == R"({"type":"object"})");
  CHECK(g->tools[1].name == "g");  // the Responses API's flat tool
  CHECK(g->tools[1].parameters_json.empty());
  CHECK(g->tool_choice == eng::ToolChoice::function);
  CHECK(g->tool_choice_function == "g");
  CHECK_FALSE(g->parallel_tool_calls);
  CHECK(g->n == 2);
  CHECK(g->max_tokens == 7);
  REQUIRE(g->messages.size() == 3);
  REQUIRE(g->messages[1].tool_calls.size() == 1);
  CHECK(g->messages[1].tool_calls[0].name == "f");
  CHECK(g->messages[1].tool_calls[0].arguments == "{\"a\":1}");
  CHECK(g->messages[2].tool_call_id == "call_1");
  CHECK(g->messages[2].name == "f");

  req.response_format_json = R"({"type":"json_schema","name":"x","schema":{"enum":[1]}})";  // Responses' text.format
  req.tool_choice_json = R"("required")";
  g = providers::local::to_generation_request(req, 7, 1000);
  REQUIRE(g.has_value());
  CHECK(g->response_format.schema_json == R"({"enum":[1]})");
  CHECK(g->tool_choice == eng::ToolChoice::required);
  req.response_format_json = R"({"type":"json_object"})";
  req.tool_choice_json = R"("none")";
  g = providers::local::to_generation_request(req, 7, 1000);
  REQUIRE(g.has_value());
  CHECK(g->response_format.kind == eng::ResponseFormat::Kind::json_object);
  CHECK(g->tool_choice == eng::ToolChoice::none);

  req.tools_json = "[{\"type\":\"function\",\"function\":{}}]";
  auto bad = providers::local::to_generation_request(req, 7, 1000);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().kind == ErrorKind::invalid_argument);
  CHECK(bad.error().message == "tools[0].function.name: missing");
}

TEST_CASE("local provider: n choices come back with their indexes and one usage for all", "[local_provider]") {
  auto provider = providers::local::make_local_provider(fake_engine(3, 3));
  ChatRequest req = chat("hello");
  req.n = 3;
  const auto events = drain_events(*provider, req, 5);
  std::map<int64_t, int> roles, finishes, content;
  int usages = 0;
  for (const Event& e : events) {
    if (e.kind == EventKind::role) ++roles[e.choice_index];
    if (e.kind == EventKind::finish) ++finishes[e.choice_index];
    if (e.kind == EventKind::content) ++content[e.choice_index];
    if (e.kind == EventKind::usage) {
      ++usages;
      CHECK(e.usage.completion_tokens == 3 * 5);
      CHECK(e.usage.prompt_tokens > 10);
    }
  }
  CHECK(roles == std::map<int64_t, int>{{0, 1}, {1, 1}, {2, 1}});
  CHECK(finishes == std::map<int64_t, int>{{0, 1}, {1, 1}, {2, 1}});
  CHECK(content.size() == 3);
  CHECK(usages == 1);
  CHECK(events.back().kind == EventKind::usage);
}

TEST_CASE("local provider: a schema keyword the engine does not support is a 400 naming it", "[local_provider]") {
  auto provider = providers::local::make_local_provider(fake_engine(1, 1));
  ChatRequest req = chat("hello");
  req.response_format_json = R"({"type":"json_schema","json_schema":{"name":"x","schema":{"type":"string","format":"email"}}})";
  const auto events = drain_events(*provider, req, 5);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == EventKind::error);
  CHECK(events[0].error.kind == ErrorKind::invalid_argument);
  CHECK(events[0].error.message.find("unsupported JSON-schema keyword 'format'") != std::string::npos);
}

TEST_CASE("local provider: a tool call arrives as deltas with index, id and name, finish tool_calls", "[local_provider]") {
  auto tok = eng::Tokenizer::create(eng::test::small_vocab(eng::test::hello_tokens()));
  REQUIRE(tok.has_value());
  auto script = tok->encode("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": [1, 2]}}\n</tool_call>", {.add_bos = false});
  auto model = std::make_unique<eng::test::ScriptedModel>(tok->n_vocab(), script, tok->eos_id());
  eng::EngineOptions o;
  auto e = eng::Engine::create(std::move(*tok), std::move(model), o, eng::ChatTemplateKind::chatml);
  REQUIRE(e.has_value());
  auto provider = providers::local::make_local_provider(std::shared_ptr<eng::Engine>(std::move(*e)));
  ChatRequest req = chat("call f");
  req.tools_json = R"([{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}])";
  const auto events = drain_events(*provider, req, 200);
  std::string name, id, args, content, finish;
  int deltas = 0;
  for (const Event& ev : events) {
    if (ev.kind == EventKind::content) content += ev.text;
    if (ev.kind == EventKind::finish) finish = ev.finish_reason;
    if (ev.kind != EventKind::tool_call) continue;
    ++deltas;
    CHECK(ev.tool_call.index == 0);
    if (!ev.tool_call.id.empty()) {
      CHECK(id.empty());  // only the first delta carries the id and name
      id = ev.tool_call.id;
      name = ev.tool_call.name;
    }
    args += ev.tool_call.arguments;
  }
  CHECK(content.empty());
  CHECK(name == "f");
  CHECK(id.rfind("call_", 0) == 0);
  CHECK(args == "{\"x\": [1, 2]}");
  CHECK(deltas > 2);
  CHECK(finish == "tool_calls");
}

TEST_CASE("local provider: prompt tokens read from the prefix cache are reported as cached", "[local_provider]") {
  auto made = eng::test::make_fake_engine({.n_seq = 1, .max_queue = 1, .prefix_cache_bytes = 4096 * 64});
  auto provider = providers::local::make_local_provider(std::shared_ptr<eng::Engine>(std::move(made.engine)));
  ChatRequest req = chat("hello abc hello abc hello abc hello abc hello abc hello abc");
  auto usage_of = [&] {
    const auto events = drain_events(*provider, req, 3);
    REQUIRE(events.back().kind == EventKind::usage);
    return events.back().usage;
  };
  CHECK(usage_of().cached_tokens == 0);
  const Usage again = usage_of();
  CHECK(again.cached_tokens > 0);
  CHECK(again.cached_tokens % 16 == 0);
  CHECK(again.cached_tokens < again.prompt_tokens);
}
