// Top level of normalization: JSON and body errors, defaults, null handling, unknown
// fields, parameters_sent and the sampling parameters' ranges.
#include "tests/unit/proxy/api/openai/normalize_test_support.h"

#include <tuple>

using namespace normalize_test;

namespace {

// The SamplingParams member behind each floating-point parameter.
double sampling_value(const ChatRequest& r, const std::string& name) {
  const SamplingParams& s = r.sampling;
  if (name == "temperature") return s.temperature;
  if (name == "top_p") return s.top_p;
  if (name == "min_p") return s.min_p;
  if (name == "top_a") return s.top_a;
  if (name == "frequency_penalty") return s.frequency_penalty;
  if (name == "presence_penalty") return s.presence_penalty;
  if (name == "repetition_penalty") return s.repetition_penalty;
  FAIL("no such parameter " << name);
  return 0;
}

}  // namespace

TEST_CASE("a minimal chat request gets every default", "[normalize]") {
  ChatRequest r = accept(chat_body());
  CHECK(r.model == "m");
  CHECK(r.models.empty());
  CHECK(r.route.empty());
  CHECK_FALSE(r.is_completion);
  REQUIRE(r.messages.size() == 1);
  CHECK_FALSE(r.stream);
  CHECK_FALSE(r.stream_include_usage);
  CHECK(r.n == 1);
  CHECK(r.sampling.temperature == 1.0);
  CHECK(r.sampling.top_p == 1.0);
  CHECK(r.sampling.top_k == 0);
  CHECK(r.sampling.min_p == 0.0);
  CHECK(r.sampling.top_a == 0.0);
  CHECK(r.sampling.frequency_penalty == 0.0);
  CHECK(r.sampling.presence_penalty == 0.0);
  CHECK(r.sampling.repetition_penalty == 1.0);
  CHECK_FALSE(r.sampling.seed.has_value());
  CHECK_FALSE(r.sampling.max_tokens.has_value());
  CHECK(r.sampling.stop.empty());
  CHECK(r.sampling.logit_bias.empty());
  CHECK_FALSE(r.sampling.logprobs);
  CHECK(r.sampling.top_logprobs == 0);
  CHECK(r.response_format_json.empty());
  CHECK(r.tools_json.empty());
  CHECK(r.tool_choice_json.empty());
  CHECK_FALSE(r.parallel_tool_calls.has_value());
  CHECK(r.user.empty());
  CHECK_FALSE(r.provider.has_value());
  CHECK(r.parameters_sent.empty());
  CHECK(r.extra_fields.empty());
}

TEST_CASE("malformed JSON is a 400 naming simdjson's reason", "[normalize]") {
  auto body = GENERATE(as<std::string>{}, "", "{", "{\"model\":}", "{\"a\":1,}", "{\"a\":\"\xff\"}", "{} x");
  Error e = reject(body);
  INFO(e.message);
  CHECK(e.message.rfind("Invalid JSON in request body: ", 0) == 0);
  CHECK(e.message.size() > std::string("Invalid JSON in request body: ").size());
}

TEST_CASE("a body that is not an object is a 400", "[normalize]") {
  auto [body, got] = GENERATE(table<std::string, std::string>({
      {"[]", "array"}, {"42", "number"}, {"null", "null"}, {"\"text\"", "string"}, {"true", "boolean"}}));
  CHECK(reject(body).message == "The request body must be a JSON object, got " + got);
}

TEST_CASE("a field sent twice is rejected", "[normalize]") {
  Error e = reject(chat_body(R"("temperature":1,"temperature":2)"));
  CHECK(e.message == "The field \"temperature\" appears more than once");
  CHECK(e.metadata_json == R"({"param":"temperature"})");
  CHECK(reject(chat_body(R"("foo":1,"foo":1)")).message == "The field \"foo\" appears more than once");
}

TEST_CASE("floating-point sampling parameters accept their whole range", "[normalize]") {
  auto [name, json, expected] = GENERATE(table<std::string, std::string, double>({
      {"temperature", "0", 0.0},       {"temperature", "2", 2.0},        {"temperature", "0.7", 0.7},
      {"top_p", "1", 1.0},             {"top_p", "0.0001", 0.0001},      {"top_p", "0.9", 0.9},
      {"min_p", "0", 0.0},             {"min_p", "1", 1.0},              {"top_a", "0", 0.0},
      {"top_a", "1.0", 1.0},           {"frequency_penalty", "-2", -2.0}, {"frequency_penalty", "2", 2.0},
      {"presence_penalty", "-2.0", -2.0}, {"presence_penalty", "2", 2.0}, {"presence_penalty", "0.5", 0.5},
      {"repetition_penalty", "2", 2.0}, {"repetition_penalty", "0.01", 0.01}, {"repetition_penalty", "1.1", 1.1},
  }));
  ChatRequest r = accept(chat_body("\"" + name + "\":" + json));
  CHECK(sampling_value(r, name) == Approx(expected));
  CHECK(r.parameters_sent == std::vector<std::string>{name});
}

TEST_CASE("floating-point sampling parameters reject values out of range", "[normalize]") {
  auto [name, json, message] = GENERATE(table<std::string, std::string, std::string>({
      {"temperature", "3.5", "temperature must be a number in [0, 2], got 3.5"},
      {"temperature", "-0.1", "temperature must be a number in [0, 2], got -0.1"},
      {"temperature", "2.0000001", "temperature must be a number in [0, 2], got 2.0000001"},
      {"top_p", "0", "top_p must be a number in (0, 1], got 0"},
      {"top_p", "1.5", "top_p must be a number in (0, 1], got 1.5"},
      {"min_p", "-1", "min_p must be a number in [0, 1], got -1"},
      {"min_p", "1.01", "min_p must be a number in [0, 1], got 1.01"},
      {"top_a", "2", "top_a must be a number in [0, 1], got 2"},
      {"frequency_penalty", "-2.5", "frequency_penalty must be a number in [-2, 2], got -2.5"},
      {"frequency_penalty", "3", "frequency_penalty must be a number in [-2, 2], got 3"},
      {"presence_penalty", "2.01", "presence_penalty must be a number in [-2, 2], got 2.01"},
      {"repetition_penalty", "0", "repetition_penalty must be a number in (0, 2], got 0"},
      {"repetition_penalty", "2.5", "repetition_penalty must be a number in (0, 2], got 2.5"},
      {"repetition_penalty", "-1e300", "repetition_penalty must be a number in (0, 2], got -1e+300"},
  }));
  Error e = reject(chat_body("\"" + name + "\":" + json));
  CHECK(e.message == message);
  CHECK(e.metadata_json == "{\"param\":\"" + name + "\"}");
}

TEST_CASE("numeric parameters reject values of the wrong type", "[normalize]") {
  auto name = GENERATE(as<std::string>{}, "temperature", "top_p", "min_p", "top_a", "frequency_penalty",
                       "presence_penalty", "repetition_penalty", "top_k", "seed", "max_tokens",
                       "max_completion_tokens", "n", "top_logprobs");
  auto [json, got] = GENERATE(table<std::string, std::string>({
      {"\"0.5\"", "string"}, {"true", "boolean"}, {"[1]", "array"}, {"{}", "object"}}));
  Error e = reject(chat_body("\"" + name + "\":" + json + R"(,"logprobs":true)"));
  INFO(e.message);
  CHECK(e.message.rfind(name + " must be ", 0) == 0);
  CHECK(e.message.ends_with(", got " + got));
  CHECK(e.metadata_json == "{\"param\":\"" + name + "\"}");
}

TEST_CASE("integer parameters accept their range and land in the struct", "[normalize]") {
  CHECK(accept(chat_body(R"("top_k":0)")).sampling.top_k == 0);
  CHECK(accept(chat_body(R"("top_k":40)")).sampling.top_k == 40);
  CHECK(accept(chat_body(R"("seed":-5)")).sampling.seed == -5);
  CHECK(accept(chat_body(R"("seed":9223372036854775807)")).sampling.seed == INT64_MAX);
  CHECK(accept(chat_body(R"("max_tokens":1)")).sampling.max_tokens == 1);
  CHECK(accept(chat_body(R"("max_tokens":100000)")).sampling.max_tokens == 100000);
  CHECK(accept(chat_body(R"("max_completion_tokens":7)")).sampling.max_tokens == 7);
  CHECK(accept(chat_body(R"("n":1)")).n == 1);
  CHECK(accept(chat_body(R"("n":2)")).n == 2);
  CHECK(accept(chat_body(R"("logprobs":true,"top_logprobs":0)")).sampling.top_logprobs == 0);
  CHECK(accept(chat_body(R"("logprobs":true,"top_logprobs":20)")).sampling.top_logprobs == 20);
}

TEST_CASE("integer parameters reject out-of-range and non-integral values", "[normalize]") {
  auto [name, json, message] = GENERATE(table<std::string, std::string, std::string>({
      {"top_k", "-1", "top_k must be an integer >= 0, got -1"},
      {"top_k", "1.5", "top_k must be an integer >= 0, got 1.5"},
      {"seed", "1.0", "seed must be an integer, got 1.0"},
      {"seed", "9223372036854775808", "seed must be an integer, got 9223372036854775808"},
      {"max_tokens", "0", "max_tokens must be an integer >= 1, got 0"},
      {"max_tokens", "-3", "max_tokens must be an integer >= 1, got -3"},
      {"max_tokens", "10.5", "max_tokens must be an integer >= 1, got 10.5"},
      {"max_completion_tokens", "0", "max_completion_tokens must be an integer >= 1, got 0"},
      {"n", "0", "n must be an integer in [1, 128], got 0"},
      {"n", "129", "n must be an integer in [1, 128], got 129"},
      {"top_logprobs", "21", "top_logprobs must be an integer in [0, 20], got 21"},
      {"top_logprobs", "-1", "top_logprobs must be an integer in [0, 20], got -1"},
  }));
  Error e = reject(chat_body("\"" + name + "\":" + json + R"(,"logprobs":true)"));
  CHECK(e.message == message);
  CHECK(e.metadata_json == "{\"param\":\"" + name + "\"}");
}

TEST_CASE("max_completion_tokens wins over max_tokens and both count as max_tokens", "[normalize]") {
  ChatRequest a = accept(chat_body(R"("max_tokens":10,"max_completion_tokens":20)"));
  CHECK(a.sampling.max_tokens == 20);
  CHECK(a.parameters_sent == std::vector<std::string>{"max_tokens"});
  ChatRequest b = accept(chat_body(R"("max_completion_tokens":20,"max_tokens":10)"));
  CHECK(b.sampling.max_tokens == 20);
  CHECK(b.parameters_sent == std::vector<std::string>{"max_tokens"});
  CHECK(accept(chat_body(R"("max_completion_tokens":5)")).parameters_sent == std::vector<std::string>{"max_tokens"});
}

TEST_CASE("boolean parameters", "[normalize]") {
  ChatRequest r = accept(chat_body(R"("stream":true,"logprobs":true,"parallel_tool_calls":false)"));
  CHECK(r.stream);
  CHECK(r.sampling.logprobs);
  CHECK(r.parallel_tool_calls == false);
  CHECK(accept(chat_body(R"("parallel_tool_calls":true)")).parallel_tool_calls == true);
  CHECK_FALSE(accept(chat_body(R"("stream":false)")).stream);

  auto [name, json, got] = GENERATE(table<std::string, std::string, std::string>({
      {"stream", "\"true\"", "string"}, {"stream", "1", "number"},
      {"logprobs", "0", "number"}, {"parallel_tool_calls", "{}", "object"}}));
  Error e = reject(chat_body("\"" + name + "\":" + json));
  CHECK(e.message == name + " must be a boolean, got " + got);
  CHECK(e.metadata_json == "{\"param\":\"" + name + "\"}");
}

TEST_CASE("n > 1 may stream (each chunk names its choice)", "[normalize]") {
  ChatRequest r = accept(chat_body(R"("n":3,"stream":true)"));
  CHECK(r.n == 3);
  CHECK(r.stream);
  CHECK(accept(chat_body(R"("stream":false,"n":128)")).n == 128);
}

TEST_CASE("top_logprobs needs logprobs true", "[normalize]") {
  auto fields = GENERATE(as<std::string>{}, R"("top_logprobs":3)", R"("top_logprobs":3,"logprobs":false)",
                         R"("logprobs":false,"top_logprobs":0)");
  Error e = reject(chat_body(fields));
  CHECK(e.message == "top_logprobs requires logprobs to be true");
  CHECK(e.metadata_json == R"({"param":"top_logprobs"})");
  ChatRequest r = accept(chat_body(R"("top_logprobs":5,"logprobs":true)"));  // order does not matter
  CHECK(r.sampling.top_logprobs == 5);
  CHECK(r.sampling.logprobs);
}

TEST_CASE("stop accepts a string or up to 16 strings", "[normalize]") {
  CHECK(accept(chat_body(R"("stop":"END")")).sampling.stop == std::vector<std::string>{"END"});
  CHECK(accept(chat_body(R"("stop":["a","\n\n"])")).sampling.stop == std::vector<std::string>{"a", "\n\n"});
  CHECK(accept(chat_body(R"("stop":[])")).sampling.stop.empty());

  auto stops = [](int count) {
    std::string json = "[";
    for (int i = 0; i < count; ++i) json += (i ? ",\"s" : "\"s") + std::to_string(i) + "\"";
    return json + "]";
  };
  ChatRequest sixteen = accept(chat_body("\"stop\":" + stops(16)));
  REQUIRE(sixteen.sampling.stop.size() == 16);
  CHECK(sixteen.sampling.stop.back() == "s15");

  auto [json, message] = GENERATE_COPY(table<std::string, std::string>({
      {stops(17), "stop must be a non-empty string or an array of at most 16 non-empty strings, got 17 items"},
      {"\"\"", "stop must be a non-empty string or an array of at most 16 non-empty strings, got \"\""},
      {"5", "stop must be a non-empty string or an array of at most 16 non-empty strings, got number"},
      {"{}", "stop must be a non-empty string or an array of at most 16 non-empty strings, got object"},
      {"[\"\"]", "stop[0] must be a non-empty string, got \"\""},
      {"[\"a\",1]", "stop[1] must be a non-empty string, got number"},
  }));
  CHECK(reject(chat_body("\"stop\":" + json)).message == message);
}

TEST_CASE("logit_bias maps token ids to biases in [-100, 100]", "[normalize]") {
  ChatRequest r = accept(chat_body(R"("logit_bias":{"50256":-100,"7":100,"0":0.5})"));
  using Bias = std::vector<std::pair<int64_t, double>>;
  CHECK(r.sampling.logit_bias == Bias{{50256, -100.0}, {7, 100.0}, {0, 0.5}});
  CHECK(accept(chat_body(R"("logit_bias":{})")).sampling.logit_bias.empty());

  auto [json, message, param] = GENERATE(table<std::string, std::string, std::string>({
      {R"({"1":101})", "logit_bias.1 must be a number in [-100, 100], got 101", "logit_bias.1"},
      {R"({"1":-100.5})", "logit_bias.1 must be a number in [-100, 100], got -100.5", "logit_bias.1"},
      {R"({"1":"x"})", "logit_bias.1 must be a number in [-100, 100], got string", "logit_bias.1"},
      {R"({"abc":1})", "logit_bias must be an object whose keys are token ids (strings of digits), got \"abc\"",
       "logit_bias"},
      {R"({"-1":1})", "logit_bias must be an object whose keys are token ids (strings of digits), got \"-1\"",
       "logit_bias"},
      {R"({"12a":1})", "logit_bias must be an object whose keys are token ids (strings of digits), got \"12a\"",
       "logit_bias"},
      {R"({"":1})", "logit_bias must be an object whose keys are token ids (strings of digits), got \"\"",
       "logit_bias"},
      {R"({"99999999999999999999":1})",
       "logit_bias must be an object whose keys are token ids (strings of digits), got \"99999999999999999999\"",
       "logit_bias"},
      {"[]", "logit_bias must be an object, got array", "logit_bias"},
  }));
  Error e = reject(chat_body("\"logit_bias\":" + json));
  CHECK(e.message == message);
  CHECK(e.metadata_json == "{\"param\":\"" + param + "\"}");
}

TEST_CASE("stream_options.include_usage", "[normalize]") {
  ChatRequest r = accept(chat_body(R"("stream":true,"stream_options":{"include_usage":true})"));
  CHECK(r.stream_include_usage);
  CHECK(r.parameters_sent == std::vector<std::string>{"stream", "stream_options"});
  // Lenient: accepted without stream, and unknown keys inside are ignored.
  CHECK(accept(chat_body(R"("stream_options":{"include_usage":true,"x":1})")).stream_include_usage);
  CHECK_FALSE(accept(chat_body(R"("stream_options":{"include_usage":null})")).stream_include_usage);
  CHECK_FALSE(accept(chat_body(R"("stream_options":{})")).stream_include_usage);

  Error e = reject(chat_body(R"("stream_options":{"include_usage":"yes"})"));
  CHECK(e.message == "stream_options.include_usage must be a boolean, got string");
  CHECK(e.metadata_json == R"({"param":"stream_options.include_usage"})");
  CHECK(reject(chat_body(R"("stream_options":true)")).message == "stream_options must be an object, got boolean");
}

TEST_CASE("user is a string", "[normalize]") {
  CHECK(accept(chat_body(R"("user":"user-42")")).user == "user-42");
  CHECK(reject(chat_body(R"("user":42)")).message == "user must be a string, got number");
}

TEST_CASE("explicit null is the same as absent", "[normalize]") {
  auto name = GENERATE(as<std::string>{}, "temperature", "top_p", "top_k", "min_p", "top_a", "frequency_penalty",
                       "presence_penalty", "repetition_penalty", "seed", "max_tokens", "max_completion_tokens",
                       "stop", "n", "logit_bias", "logprobs", "top_logprobs", "response_format", "tools",
                       "tool_choice", "parallel_tool_calls", "user", "stream", "stream_options", "provider",
                       "models", "route", "prompt", "unknown_extra");
  ChatRequest with_null = accept(chat_body("\"" + name + "\":null"));
  ChatRequest plain = accept(chat_body());
  CHECK(with_null.parameters_sent.empty());
  CHECK(with_null.extra_fields.empty());
  CHECK(with_null.sampling.temperature == plain.sampling.temperature);
  CHECK(with_null.sampling.top_p == plain.sampling.top_p);
  CHECK(with_null.sampling.max_tokens == plain.sampling.max_tokens);
  CHECK(with_null.sampling.seed == plain.sampling.seed);
  CHECK(with_null.n == 1);
  CHECK_FALSE(with_null.stream);
  CHECK_FALSE(with_null.provider.has_value());
  CHECK(with_null.tools_json.empty());
  CHECK(with_null.tool_choice_json.empty());
  CHECK(with_null.response_format_json.empty());
}

TEST_CASE("unknown fields pass through in order as minified JSON", "[normalize]") {
  std::string body = R"({"transforms" : [ "middle-out" ],"model":"m",
    "reasoning": { "effort": "high", "max_tokens": 10 },
    "messages":[{"role":"user","content":"hi"}],
    "plugins":[{"id":"web","max_results":3}], "dropped": null,
    "usage": {"include": true}, "zzz": 1.5, "text": "caf\u00e9\n\"q\"", "big": 18446744073709551615})";
  ChatRequest r = accept(body);
  using Fields = std::vector<std::pair<std::string, std::string>>;
  CHECK(r.extra_fields == Fields{
                              {"transforms", R"(["middle-out"])"},
                              {"reasoning", R"({"effort":"high","max_tokens":10})"},
                              {"plugins", R"([{"id":"web","max_results":3}])"},
                              {"usage", R"({"include":true})"},
                              {"zzz", "1.5"},
                              {"text", "\"caf\xc3\xa9\\n\\\"q\\\"\""},
                              {"big", "18446744073709551615"},
                          });
  CHECK(r.parameters_sent.empty());  // extras are not known parameters
}

TEST_CASE("parameters_sent lists the known parameters present, in body order", "[normalize]") {
  ChatRequest r = accept(R"({"temperature":0.2,"model":"m","tools":[{"type":"function","function":{"name":"f"}}],
    "max_completion_tokens":5,"messages":[{"role":"user","content":"x"}],"max_tokens":5,"provider":{},
    "foo":1,"stream":false,"seed":null,"tool_choice":"auto","user":"u","response_format":{"type":"text"},
    "top_k":3,"stop":"x","n":1,"logit_bias":{},"logprobs":false,"min_p":0.1,"top_a":0,"top_p":0.5,
    "frequency_penalty":0,"presence_penalty":0,"repetition_penalty":1,"parallel_tool_calls":true,
    "stream_options":{}})");
  CHECK(r.parameters_sent == std::vector<std::string>{
                                 "temperature", "tools", "max_tokens", "stream", "tool_choice", "user",
                                 "response_format", "top_k", "stop", "n", "logit_bias", "logprobs", "min_p",
                                 "top_a", "top_p", "frequency_penalty", "presence_penalty",
                                 "repetition_penalty", "parallel_tool_calls", "stream_options"});
  CHECK(r.sent("temperature"));
  CHECK_FALSE(r.sent("seed"));
}

TEST_CASE("a large body is handled", "[normalize]") {
  // 5000 messages and a 2 MiB content string: linear work, no limits hit.
  std::string body = R"({"model":"m","messages":[)";
  for (int i = 0; i < 5000; ++i) body += R"({"role":"user","content":"message"},)";
  body += R"({"role":"user","content":")" + std::string(2 << 20, 'x') + "\"}]}";
  ChatRequest r = accept(body);
  CHECK(r.messages.size() == 5001);
  CHECK(r.messages.back().text.size() == size_t(2 << 20));
}
