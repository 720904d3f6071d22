// The Responses parser's top level: body errors, defaults, unknown and duplicate fields,
// sampling and output options, the stateful features it refuses, what it echoes.
#include "tests/unit/proxy/api/responses/responses_test_support.h"

using namespace responses_test;

TEST_CASE("responses: a string input is one user message with every default", "[responses]") {
  ChatRequest r = accept(body_with());
  CHECK(r.model == "m");
  REQUIRE(r.messages.size() == 1);
  CHECK(r.messages[0].role == "user");
  CHECK(r.messages[0].text == "hi");
  CHECK(r.messages[0].content_json == R"("hi")");
  CHECK_FALSE(r.stream);
  CHECK(r.sampling.temperature == 1.0);
  CHECK(r.sampling.top_p == 1.0);
  CHECK_FALSE(r.sampling.max_tokens.has_value());
  CHECK(r.tools_json.empty());
  CHECK(r.tool_choice_json.empty());
  CHECK(r.response_format_json.empty());
  CHECK_FALSE(r.parallel_tool_calls.has_value());
  CHECK(r.parameters_sent.empty());
  CHECK(r.echo_fields.empty());
  CHECK(r.extra_fields.empty());
}

TEST_CASE("responses: instructions become the leading system message, wherever they are in the body",
          "[responses]") {
  ChatRequest r = accept(R"({"input":"hi","instructions":"Be brief","model":"m"})");
  REQUIRE(r.messages.size() == 2);
  CHECK(r.messages[0].role == "system");
  CHECK(r.messages[0].text == "Be brief");
  CHECK(r.messages[0].content_json == R"("Be brief")");
  CHECK(r.messages[1].role == "user");
  CHECK(echo(r, "instructions") == R"("Be brief")");
  // Empty instructions add no message (but are echoed as sent).
  ChatRequest empty = accept(body_with(R"("instructions":"")"));
  CHECK(empty.messages.size() == 1);
  CHECK(echo(empty, "instructions") == R"("")");
}

TEST_CASE("responses: malformed bodies are a 400 with the reason", "[responses]") {
  auto body = GENERATE(as<std::string>{}, "", "{", "{\"model\":}", "{\"a\":1,}");
  CHECK(reject(body).message.rfind("Invalid JSON in request body: ", 0) == 0);
  CHECK(reject("[]").message == "The request body must be a JSON object, got array");
}

TEST_CASE("responses: model and input must be there", "[responses]") {
  CHECK(reject(R"({"input":"hi"})").message == "model must be a non-empty string, got nothing");
  CHECK(reject(R"({"model":"","input":"hi"})").message == "model must be a non-empty string, got \"\"");
  Error no_input = reject(R"({"model":"m"})");
  CHECK(no_input.message == "input must be a string or a non-empty array of input items, got nothing");
  CHECK(no_input.metadata_json == R"({"param":"input"})");
  CHECK(reject(input_body("[]")).message ==
        "input must be a string or a non-empty array of at most 10000 input items, got an empty array");
  CHECK(reject(input_body("42")).message ==
        "input must be a string or a non-empty array of at most 10000 input items, got number");
}

TEST_CASE("responses: unknown top-level fields are a 400 naming them, and nulls are absent", "[responses]") {
  Error e = reject(body_with(R"("frobnicate":1)"));
  CHECK(e.message == "Unknown parameter \"frobnicate\" for /v1/responses");
  CHECK(e.metadata_json == R"({"param":"frobnicate"})");
  CHECK(reject(body_with(R"("provider":{"order":["x"]})")).message ==
        "Unknown parameter \"provider\" for /v1/responses");
  ChatRequest r = accept(body_with(R"("temperature":null,"frobnicate":null,"tools":null,"instructions":null)"));
  CHECK(r.parameters_sent.empty());
  CHECK(r.echo_fields.empty());
  CHECK(r.messages.size() == 1);
}

TEST_CASE("responses: a field sent twice is rejected", "[responses]") {
  CHECK(reject(body_with(R"("temperature":1,"temperature":2)")).message ==
        "The field \"temperature\" appears more than once");
}

TEST_CASE("responses: sampling and length options map to the chat parameters", "[responses]") {
  ChatRequest r = accept(body_with(
      R"("temperature":0.25,"top_p":0.5,"max_output_tokens":64,"parallel_tool_calls":false,"user":"u-1","stream":true)"));
  CHECK(r.sampling.temperature == 0.25);
  CHECK(r.sampling.top_p == 0.5);
  CHECK(r.sampling.max_tokens == 64);
  CHECK(r.parallel_tool_calls == false);
  CHECK(r.user == "u-1");
  CHECK(r.stream);
  CHECK(r.parameters_sent ==
        std::vector<std::string>{"temperature", "top_p", "max_tokens", "parallel_tool_calls", "user", "stream"});
}

TEST_CASE("responses: out-of-range and mistyped options name the field and the range", "[responses]") {
  auto [fields, message] = GENERATE(table<std::string, std::string>({
      {R"("temperature":2.5)", "temperature must be a number in [0, 2], got 2.5"},
      {R"("temperature":"hot")", "temperature must be a number in [0, 2], got string"},
      {R"("top_p":0)", "top_p must be a number in (0, 1], got 0"},
      {R"("max_output_tokens":0)", "max_output_tokens must be an integer >= 1, got 0"},
      {R"("max_output_tokens":16.0)", "max_output_tokens must be an integer >= 1, got 16.0"},
      {R"("stream":"yes")", "stream must be a boolean, got string"},
      {R"("parallel_tool_calls":1)", "parallel_tool_calls must be a boolean, got number"},
      {R"("user":5)", "user must be a string, got number"},
      {R"("reasoning":"high")", "reasoning must be an object, got string"},
      {R"("truncation":"sometimes")", "truncation must be one of disabled, auto, got \"sometimes\""},
  }));
  CHECK(reject(body_with(fields)).message == message);
}

TEST_CASE("responses: stateful features are refused by name, and their stateless forms pass", "[responses]") {
  Error stored = reject(body_with(R"("store":true)"));
  CHECK(stored.message.find("responses are not stored here") != std::string::npos);
  CHECK(stored.metadata_json == R"({"param":"store"})");
  Error previous = reject(body_with(R"("previous_response_id":"resp_123")"));
  CHECK(previous.message.find("previous_response_id is not supported") != std::string::npos);
  CHECK(previous.metadata_json == R"({"param":"previous_response_id"})");
  Error truncation = reject(body_with(R"("truncation":"auto")"));
  CHECK(truncation.message.find("truncation \"auto\" is not supported") != std::string::npos);
  accept(body_with(R"("store":false,"truncation":"disabled","previous_response_id":null)"));
}

TEST_CASE("responses: metadata is checked by OpenAI's limits and echoed as sent", "[responses]") {
  ChatRequest r = accept(body_with(R"("metadata":{"run":"7","team":"blue"},"reasoning":{"effort":"low"})"));
  CHECK(echo(r, "metadata") == R"({"run":"7","team":"blue"})");
  CHECK(echo(r, "reasoning") == R"({"effort":"low"})");
  CHECK(r.parameters_sent.empty());  // neither goes upstream
  CHECK(reject(body_with(R"("metadata":{"n":1})")).message == "metadata.n must be a string, got number");
  CHECK(reject(body_with(R"("metadata":[])")).message == "metadata must be an object, got array");
  std::string many;
  for (int i = 0; i < 17; ++i) many.append(i ? "," : "").append("\"k").append(std::to_string(i)).append("\":\"v\"");
  CHECK(reject(body_with("\"metadata\":{" + many + "}")).message ==
        "metadata must be an object of at most 16 string values, got 17 pairs");
  std::string long_value(513, 'x');
  CHECK(reject(body_with(R"("metadata":{"k":")" + long_value + "\"}")).message ==
        "metadata.k must be a string of at most 512 characters, got 513 characters");
  std::string long_key(65, 'k');
  Error key = reject(body_with(R"("metadata":{")" + long_key + R"(":"v"})"));
  CHECK(key.message == "metadata keys must be at most 64 characters, got 65");
}
