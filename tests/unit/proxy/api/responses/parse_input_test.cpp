// Responses input items -> chat messages: message items and their parts, function calls
// joining one assistant turn, function call outputs as tool messages, and every error
// naming its item's path.
#include "tests/unit/proxy/api/responses/responses_test_support.h"

using namespace responses_test;

TEST_CASE("responses: message items with string and part contents, every role", "[responses]") {
  ChatRequest r = accept(input_body(R"([
    {"type":"message","role":"developer","content":"Rules"},
    {"role":"user","content":[{"type":"input_text","text":"Look"},{"type":"input_image","image_url":"https://x/cat.png","detail":"low"}]},
    {"type":"message","role":"assistant","id":"msg_1","status":"completed","content":[{"type":"output_text","text":"A cat","annotations":[]}]},
    {"role":"system","content":"More rules"}])"));
  REQUIRE(r.messages.size() == 4);
  CHECK(r.messages[0].role == "system");  // developer means system
  CHECK(r.messages[0].content_json == R"("Rules")");
  CHECK_FALSE(r.messages[0].content_is_array);
  CHECK(r.messages[1].role == "user");
  CHECK(r.messages[1].content_is_array);
  CHECK(r.messages[1].text == "Look");
  CHECK(r.messages[1].content_json ==
        R"([{"type":"text","text":"Look"},{"type":"image_url","image_url":{"url":"https://x/cat.png","detail":"low"}}])");
  CHECK(r.messages[2].role == "assistant");
  CHECK(r.messages[2].text == "A cat");
  CHECK(r.messages[2].content_json == R"([{"type":"text","text":"A cat"}])");
  CHECK(r.messages[3].role == "system");
}

TEST_CASE("responses: text parts are joined with a newline into Message::text", "[responses]") {
  ChatRequest r = accept(input_body(
      R"([{"role":"user","content":[{"type":"input_text","text":"a"},{"type":"input_image","image_url":"data:image/png;base64,AA"},{"type":"input_text","text":"b"}]}])"));
  CHECK(r.messages[0].text == "a\nb");
}

TEST_CASE("responses: function calls join one assistant turn, and outputs become tool messages", "[responses]") {
  ChatRequest r = accept(input_body(R"([
    {"role":"user","content":"weather in Oslo and Bergen?"},
    {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking."}]},
    {"type":"function_call","id":"fc_1","call_id":"call_a","name":"get_weather","arguments":"{\"city\":\"Oslo\"}","status":"completed"},
    {"type":"function_call","call_id":"call_b","name":"get_weather","arguments":"{\"city\":\"Bergen\"}"},
    {"type":"function_call_output","call_id":"call_a","output":"12C"},
    {"type":"function_call_output","call_id":"call_b","output":[{"type":"input_text","text":"9C"}]},
    {"type":"function_call","call_id":"call_c","name":"get_time","arguments":"{}"}])"));
  REQUIRE(r.messages.size() == 5);
  const Message& turn = r.messages[1];
  CHECK(turn.role == "assistant");
  CHECK(turn.text == "Checking.");  // the calls join the message right before them
  REQUIRE(turn.tool_calls.size() == 2);
  CHECK(turn.tool_calls[0].id == "call_a");
  CHECK(turn.tool_calls[0].name == "get_weather");
  CHECK(turn.tool_calls[0].arguments == R"({"city":"Oslo"})");
  CHECK(turn.tool_calls[1].id == "call_b");
  CHECK(r.messages[2].role == "tool");
  CHECK(r.messages[2].tool_call_id == "call_a");
  CHECK(r.messages[2].text == "12C");
  CHECK(r.messages[2].content_json == R"("12C")");
  CHECK(r.messages[3].tool_call_id == "call_b");
  CHECK(r.messages[3].text == "9C");
  CHECK(r.messages[3].content_json == R"([{"type":"text","text":"9C"}])");
  // A call after a tool message starts a new assistant turn with no content.
  const Message& later = r.messages[4];
  CHECK(later.role == "assistant");
  CHECK(later.content_is_null);
  CHECK(later.content_json == "null");
  REQUIRE(later.tool_calls.size() == 1);
  CHECK(later.tool_calls[0].id == "call_c");
}

TEST_CASE("responses: item errors name the item's path", "[responses]") {
  auto [items, message] = GENERATE(table<std::string, std::string>({
      {R"([42])", "input[0] must be an object, got number"},
      {R"([{"content":"x"}])", "input[0].type must be one of message, function_call, function_call_output, got nothing"},
      {R"([{"type":"reasoning","summary":[]}])",
       "input[0].type \"reasoning\" is not supported here; send message, function_call or function_call_output"},
      {R"([{"type":"message","content":"x"}])",
       "input[0].role must be one of user, assistant, system, developer, got nothing"},
      {R"([{"role":"tool","content":"x"}])",
       "input[0].role must be one of user, assistant, system, developer, got \"tool\""},
      {R"([{"role":"user"}])", "input[0].content must be a string or an array of content parts, got nothing"},
      {R"([{"role":"user","content":7}])", "input[0].content must be a string or an array of content parts, got number"},
      {R"(["hi",{"role":"user","content":[{"type":"input_file","file_id":"f"}]}])", "input[0] must be an object, got string"},
      {R"([{"role":"user","content":[{"text":"x"}]}])",
       "input[0].content[0].type must be one of input_text, output_text or input_image, got nothing"},
      {R"([{"role":"user","content":[{"type":"input_text"}]}])", "input[0].content[0].text must be a string, got nothing"},
      {R"([{"role":"user","content":[{"type":"input_image"}]}])",
       "input[0].content[0].image_url must be a non-empty string (an https or data: URL), got nothing"},
      {R"([{"role":"user","content":[{"type":"input_image","image_url":"https://x","detail":"max"}]}])",
       "input[0].content[0].detail must be one of auto, low, high, original, got \"max\""},
      {R"([{"type":"function_call","name":"f","arguments":"{}"}])", "input[0].call_id must be a non-empty string, got nothing"},
      {R"([{"type":"function_call","call_id":"c","name":"bad name","arguments":"{}"}])",
       "input[0].name must be a string of 1 to 64 characters from a-z, A-Z, 0-9, _ and -, got \"bad name\""},
      {R"([{"type":"function_call","call_id":"c","name":"f","arguments":{}}])",
       "input[0].arguments must be a string, got object"},
      {R"([{"type":"function_call","call_id":"c","name":"f","arguments":"{}"},{"type":"function_call","call_id":"c","name":"f","arguments":"{}"}])",
       "input[1].call_id repeats the call_id \"c\""},
      {R"([{"type":"function_call_output","call_id":"nope","output":"x"}])",
       "input[0].call_id \"nope\" matches no function_call earlier in input"},
      {R"([{"type":"function_call","call_id":"c","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c"}])",
       "input[1].output must be a string or an array of input_text parts, got nothing"},
      {R"([{"type":"function_call","call_id":"c","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c","output":[{"type":"input_image","image_url":"https://x"}]}])",
       "input[1].output[0].type \"input_image\" is not supported here; send input_text or output_text"},
  }));
  Error e = reject(input_body(items));
  CHECK(e.message == message);
}

TEST_CASE("responses: an unsupported part type is a 400 naming the type and its path", "[responses]") {
  Error e = reject(input_body(
      R"([{"role":"user","content":"a"},{"role":"user","content":[{"type":"input_text","text":"x"},{"type":"input_file","file_id":"f"}]}])"));
  CHECK(e.message == "input[1].content[1].type \"input_file\" is not supported here; send input_text, output_text or input_image");
  CHECK(e.metadata_json == R"({"param":"input[1].content[1].type"})");
  Error file = reject(input_body(R"([{"role":"user","content":[{"type":"input_image","file_id":"file-1"}]}])"));
  CHECK(file.message == "input[0].content[0].file_id is not supported here (no files are stored); send image_url");
}
