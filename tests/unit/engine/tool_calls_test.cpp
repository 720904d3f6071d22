// Tools in the prompt (each family's format, exactly), the tool-call grammar, and the
// parser that turns call text into deltas however the text is split.
#include <catch2/catch.hpp>

#include "local_engine/grammar/matcher.h"
#include "local_engine/tool_calls.h"
#include "test_vocab.h"

using namespace switchyard::engine;

namespace {

Tokenizer tokenizer_with(std::vector<std::string> controls) {
  auto v = test::small_vocab(test::hello_tokens());
  for (auto& c : controls) {
    v.tokens.push_back(c);
    v.scores.push_back(0);
    v.token_types.push_back(3);
  }
  auto t = Tokenizer::create(v);
  REQUIRE(t.has_value());
  return std::move(*t);
}

const std::vector<ToolSpec> kTools = {
    {"get_weather", "Weather now", R"({"type":"object","properties":{"city":{"type":"string","maxLength":12}},"required":["city"],"additionalProperties":false})"},
    {"add", "", R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"required":["a","b"],"additionalProperties":false})"}};

std::string render(ChatTemplateKind kind, const std::vector<ChatMessage>& msgs, const Tokenizer& t,
                   std::span<const ToolSpec> tools = kTools) {
  RenderParams p{kind, TemplateTokens::from(t), true, tools};
  return segments_to_text(render_chat(msgs, p), &t);
}

const std::vector<ChatMessage> kConversation = {
    {"user", "Weather in Paris?"},
    {"assistant", "", {{"call_1", "get_weather", R"({"city":"Paris"})"}}},
    {"tool", "22C", {}, "call_1", "get_weather"},
    {"user", "Thanks"}};

bool valid(const grammar::Grammar& g, std::string_view text) {
  grammar::Matcher m(std::make_shared<const grammar::Grammar>(g));
  return m.accept(text) && m.can_end();
}

}  // namespace

TEST_CASE("tools: mistral renders [AVAILABLE_TOOLS], [TOOL_CALLS] and [TOOL_RESULTS]", "[template][tools]") {
  const Tokenizer t = tokenizer_with({"[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_CALLS]", "[TOOL_RESULTS]", "[/TOOL_RESULTS]"});
  const std::string tools = tools_json(kTools);
  CHECK(render(ChatTemplateKind::mistral, kConversation, t) ==
        "[INST] Weather in Paris? [/INST][TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}, "
        "\"id\": \"call_1\"}]</s>[TOOL_RESULTS] {\"content\": \"22C\", \"call_id\": \"call_1\"}[/TOOL_RESULTS]"
        "[AVAILABLE_TOOLS] " + tools + "[/AVAILABLE_TOOLS][INST] Thanks [/INST]");
  // The markers are control tokens when the vocab has them, text (typed by nobody) otherwise.
  const auto segs = render_chat(kConversation, RenderParams{ChatTemplateKind::mistral, TemplateTokens::from(t), true, kTools});
  int markers = 0;
  for (const auto& s : segs) markers += s.is_token() && s.special_id != t.eos_id();
  CHECK(markers == 5);
  CHECK(tools.find("\"description\": \"Weather now\"") != std::string::npos);
  CHECK(tools.find("\"parameters\": {\"type\":\"object\"") != std::string::npos);
}

TEST_CASE("tools: chatml (Hermes) lists them in the system turn, results in a tool turn", "[template][tools]") {
  const Tokenizer t = tokenizer_with({"<|im_start|>", "<|im_end|>"});
  const std::string out = render(ChatTemplateKind::chatml, kConversation, t);
  CHECK(out.rfind("<|im_start|>system\nYou may call one or more functions", 0) == 0);
  CHECK(out.find("<tools>\n" + tools_json(kTools) + "\n</tools>") != std::string::npos);
  CHECK(out.find("<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}\n"
                 "</tool_call><|im_end|>\n<|im_start|>tool\n<tool_response>\n22C\n</tool_response><|im_end|>\n"
                 "<|im_start|>user\nThanks<|im_end|>\n<|im_start|>assistant\n") != std::string::npos);
  const std::string with_system = render(ChatTemplateKind::chatml, {{"system", "Be brief."}, {"user", "Hi"}}, t);
  CHECK(with_system.rfind("<|im_start|>system\nBe brief.\n\nYou may call", 0) == 0);
  CHECK(render(ChatTemplateKind::chatml, {{"user", "Hi"}}, t, {}) ==
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST_CASE("tools: vicuna gets a preamble describing the tools and the call format", "[template][tools]") {
  const Tokenizer t = tokenizer_with({});
  const std::string out = render(ChatTemplateKind::vicuna, kConversation, t);
  CHECK(out.rfind(std::string(kVicunaDefaultSystem) + "\n\nYou can call these functions", 0) == 0);
  CHECK(out.find(tools_json(kTools)) != std::string::npos);
  CHECK(out.find(" USER: Weather in Paris? ASSISTANT: <tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
                 "{\"city\":\"Paris\"}}\n</tool_call></s>USER: <tool_response>\n22C\n</tool_response> USER: Thanks ASSISTANT:") !=
        std::string::npos);
}

TEST_CASE("tools: the grammar forces the family's call format and each tool's schema", "[grammar][tools]") {
  const ToolCallFormat hermes = tool_call_format(ChatTemplateKind::chatml, {});
  auto g = tool_call_grammar(hermes, {kTools, "", true, true, "tools"});
  REQUIRE(g.has_value());
  const std::string call = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
  CHECK(valid(*g, call));
  CHECK(valid(*g, " " + call));
  CHECK(valid(*g, call + "\n<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>"));
  CHECK_FALSE(valid(*g, "<tool_call>\n{\"name\": \"nope\", \"arguments\": {}}\n</tool_call>"));
  CHECK_FALSE(valid(*g, "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1}}\n</tool_call>"));
  CHECK_FALSE(valid(*g, "Sure! " + call));

  auto one = tool_call_grammar(hermes, {kTools, "add", false, true, "tools"});
  REQUIRE(one.has_value());
  CHECK(valid(*one, "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>"));
  CHECK_FALSE(valid(*one, call));  // only the named function
  CHECK_FALSE(valid(*one, "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>\n<tool_call>\n"
                          "{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>"));

  const ToolCallFormat mistral = tool_call_format(ChatTemplateKind::mistral, {});
  auto m = tool_call_grammar(mistral, {kTools, "", true, false, "tools"});  // after a [TOOL_CALLS] token
  REQUIRE(m.has_value());
  CHECK(valid(*m, " [{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}, {\"name\": \"get_weather\", \"arguments\": "
                  "{\"city\": \"Rome\"}}]"));
  CHECK_FALSE(valid(*m, "[TOOL_CALLS] [{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}]"));

  auto bad = tool_call_grammar(hermes, {std::vector<ToolSpec>{{"f", "", R"({"type":"object","not":{}})"}}, "", true, true, "tools"});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find("tools[0].function.parameters: unsupported JSON-schema keyword 'not'") == 0);
}

TEST_CASE("tools: the parser yields names and arguments however the text is split", "[tools]") {
  const std::string text = " [{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": \"}{\\\"\"}}, {\"name\": \"get_weather\", "
                           "\"arguments\": {\"city\": \"Rome\"}}]";
  for (size_t chunk : {size_t(1), size_t(2), size_t(7), text.size()}) {
    ToolCallParser parser;
    std::vector<std::string> names(2), args(2);
    int starts = 0;
    for (size_t i = 0; i < text.size(); i += chunk)
      for (const auto& d : parser.push(std::string_view(text).substr(i, chunk))) {
        REQUIRE(d.index < 2);
        if (d.starts) {
          ++starts;
          names[size_t(d.index)] = d.name;
        }
        args[size_t(d.index)] += d.arguments;
      }
    INFO("chunk " << chunk);
    CHECK(starts == 2);
    CHECK(parser.calls() == 2);
    CHECK(names == std::vector<std::string>{"add", "get_weather"});
    CHECK(args == std::vector<std::string>{"{\"a\": 1, \"b\": \"}{\\\"\"}", "{\"city\": \"Rome\"}"});
  }
}
