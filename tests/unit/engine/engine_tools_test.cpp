// Tool calls through the engine: forced calls on the random demo model (always a valid
// call of a listed tool, arguments valid under its schema), Mistral's [TOOL_CALLS] token,
// tool_choice none banning it, and a model that decides to call a tool in auto mode
// (scripted) streamed as deltas with ids, finish "tool_calls".
#include <catch2/catch.hpp>

#include <simdjson.h>

#include "demo_engine.h"
#include "engine_fake_model.h"
#include "scripted_model.h"
#include "test_vocab.h"

using namespace switchyard::engine;

namespace {

struct Call {
  std::string id, name, arguments;
};

struct Outcome {
  std::string content, finish, native, error;
  std::vector<Call> calls;
  int deltas = 0;  // tool-call deltas seen
  std::vector<int32_t> ids;
};

Outcome collect(Engine& e, GenerationRequest r) {
  auto g = e.submit(std::move(r));
  REQUIRE(g.has_value());
  Outcome out;
  while (auto ev = (*g)->next()) {
    out.content += ev->text;
    if (ev->token) out.ids.push_back(ev->token->id);
    for (const ToolCallDelta& d : ev->tool_calls) {
      ++out.deltas;
      if (size_t(d.index) == out.calls.size()) {
        REQUIRE_FALSE(d.id.empty());  // a call's first delta has its id and name
        out.calls.push_back({d.id, d.name, ""});
      }
      REQUIRE(size_t(d.index) < out.calls.size());
      out.calls[size_t(d.index)].arguments += d.arguments;
    }
    if (ev->kind == GenerationEvent::Kind::finish) {
      out.finish = ev->finish_reason;
      out.native = ev->native_finish_reason;
    }
    if (ev->kind == GenerationEvent::Kind::error) out.error = ev->error;
  }
  return out;
}

const std::vector<ToolSpec> kTools = {
    {"get_weather", "The weather in a city",
     R"({"type":"object","properties":{"city":{"type":"string","maxLength":8},"unit":{"enum":["C","F"]}},"required":["city"],"additionalProperties":false})"},
    {"add", "", R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"required":["a","b"],"additionalProperties":false})"}};

// Arguments valid for the tool, checked by hand.
void check_arguments(const Call& c) {
  simdjson::dom::parser parser;
  simdjson::dom::element args;
  INFO(c.name << " " << c.arguments);
  REQUIRE(parser.parse(c.arguments).get(args) == simdjson::SUCCESS);
  REQUIRE(args.is_object());
  if (c.name == "add") {
    CHECK(args["a"].is_int64());
    CHECK(args["b"].is_int64());
    CHECK(simdjson::dom::object(args).size() == 2);
  } else {
    REQUIRE(c.name == "get_weather");
    CHECK(args["city"].is_string());
    if (simdjson::dom::object(args).size() == 2) CHECK(args["unit"].is_string());
  }
}

GenerationRequest with_tools(ToolChoice choice, uint64_t seed) {
  GenerationRequest r;
  r.messages = {{"user", "What is the weather in Paris?"}};
  r.sampling.temperature = 1.0f;
  r.sampling.seed = seed;
  r.max_tokens = 400;
  r.tools = kTools;
  r.tool_choice = choice;
  return r;
}

Tokenizer tokenizer_with(std::vector<std::pair<std::string, int32_t>> extra) {
  auto v = test::small_vocab(test::hello_tokens());
  for (auto& [text, type] : extra) {
    v.tokens.push_back(text);
    v.scores.push_back(type == 1 ? 5.0f : 0.0f);
    v.token_types.push_back(type);
  }
  auto t = Tokenizer::create(v);
  REQUIRE(t.has_value());
  return std::move(*t);
}

std::unique_ptr<Engine> scripted_engine(Tokenizer tok, const std::string& script, ChatTemplateKind kind) {
  std::vector<int32_t> ids = tok.encode(script, EncodeOptions{.add_bos = false});
  const int32_t n_vocab = tok.n_vocab(), eos = tok.eos_id();
  auto model = std::make_unique<test::ScriptedModel>(n_vocab, std::move(ids), eos);
  EngineOptions o;
  o.prefix_cache_bytes = 0;
  auto e = Engine::create(std::move(tok), std::move(model), o, kind);
  REQUIRE(e.has_value());
  return std::move(*e);
}

}  // namespace

TEST_CASE("tools: tool_choice required on the random model always yields a valid call", "[engine][tools]") {
  auto e = test::open_demo_engine(1024);
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    GenerationRequest r = with_tools(ToolChoice::required, seed);
    r.parallel_tool_calls = seed % 2 == 0;
    const Outcome out = collect(*e, r);
    INFO("seed " << seed << " content '" << out.content << "' " << out.error);
    REQUIRE(out.finish == "tool_calls");
    CHECK(out.content.empty());
    REQUIRE_FALSE(out.calls.empty());
    if (!r.parallel_tool_calls) CHECK(out.calls.size() == 1);
    for (const Call& c : out.calls) {
      CHECK(c.id.rfind("call_", 0) == 0);
      check_arguments(c);
    }
    CHECK(out.deltas > int(out.calls.size()));  // arguments came in pieces
  }
}

TEST_CASE("tools: a named function is the one called, and a seed repeats the call and its id", "[engine][tools]") {
  auto e = test::open_demo_engine(1024);
  GenerationRequest r = with_tools(ToolChoice::function, 5);
  r.tool_choice_function = "add";
  const Outcome a = collect(*e, r), b = collect(*e, r);
  REQUIRE(a.calls.size() >= 1);
  for (const Call& c : a.calls) CHECK(c.name == "add");
  CHECK(a.calls[0].id == b.calls[0].id);
  CHECK(a.calls[0].arguments == b.calls[0].arguments);
  r.tool_choice_function = "nope";
  auto bad = e->submit(r);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message == "tool_choice: function 'nope' is not one of the tools");
}

TEST_CASE("tools: mistral's [TOOL_CALLS] token starts a forced call, and tool_choice none bans it", "[engine][tools]") {
  auto tok = tokenizer_with({{"[AVAILABLE_TOOLS]", 3}, {"[/AVAILABLE_TOOLS]", 3}, {"[TOOL_CALLS]", 3}, {"[TOOL_RESULTS]", 3},
                             {"[/TOOL_RESULTS]", 3}});
  const int32_t trigger = *tok.find_token("[TOOL_CALLS]");
  auto stats = std::make_shared<test::FakeModelStats>();
  auto model = std::make_unique<test::FakeModel>(tok.n_vocab(), 1024, 1, stats);
  EngineOptions o;
  o.prefix_cache_bytes = 0;
  auto e = Engine::create(std::move(tok), std::move(model), o, ChatTemplateKind::mistral);
  REQUIRE(e.has_value());
  GenerationRequest r = with_tools(ToolChoice::required, 3);
  r.sampling.temperature = 0;
  const Outcome forced = collect(**e, r);
  REQUIRE(forced.finish == "tool_calls");
  CHECK(forced.ids.front() == trigger);
  REQUIRE_FALSE(forced.calls.empty());
  for (const Call& c : forced.calls) check_arguments(c);

  r.tool_choice = ToolChoice::none;
  r.max_tokens = 30;
  r.sampling.logit_bias = {{trigger, 100.0f}};  // the model wants nothing more
  const Outcome none = collect(**e, r);
  CHECK(std::find(none.ids.begin(), none.ids.end(), trigger) == none.ids.end());
  CHECK(none.calls.empty());
  CHECK(none.finish == "length");
}

TEST_CASE("tools: a model calling a tool in auto mode streams the call as deltas", "[engine][tools]") {
  const std::string script =
      "Let me check. <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
  auto e = scripted_engine(tokenizer_with({}), script, ChatTemplateKind::chatml);
  const Outcome out = collect(*e, with_tools(ToolChoice::automatic, 1));
  CHECK(out.content == "Let me check. ");
  REQUIRE(out.calls.size() == 1);
  CHECK(out.calls[0].name == "get_weather");
  CHECK(out.calls[0].arguments == "{\"city\": \"Paris\"}");
  CHECK(out.deltas > 4);  // id and name first, then the arguments token by token
  CHECK(out.finish == "tool_calls");
  CHECK(out.native == "eos");  // another call could have followed: the model ended it
  GenerationRequest single = with_tools(ToolChoice::automatic, 1);
  single.parallel_tool_calls = false;
  const Outcome one = collect(*e, single);
  CHECK(one.calls.size() == 1);
  CHECK(one.finish == "tool_calls");
  CHECK(one.native == "grammar");  // one call is all there may be: done when it closes
}

TEST_CASE("tools: text that only looks like a call start stays content", "[engine][tools]") {
  // ">x" is one token: the grammar cannot start after the trigger, so nothing is a call.
  auto tok = tokenizer_with({{">x", 1}});
  auto e = scripted_engine(std::move(tok), "See <tool_call>xyz", ChatTemplateKind::chatml);
  const Outcome out = collect(*e, with_tools(ToolChoice::automatic, 1));
  CHECK(out.calls.empty());
  CHECK(out.content == "See <tool_call>xyz");
  CHECK(out.finish == "stop");
  CHECK(out.native == "eos");
}
