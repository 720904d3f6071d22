// Each JSON-schema feature compiled to a grammar: what it accepts and what it refuses;
// unsupported keywords are errors naming the keyword and where it is.
#include <catch2/catch.hpp>

#include "local_engine/grammar/json_schema.h"
#include "local_engine/grammar/matcher.h"

using namespace switchyard::engine;
using namespace switchyard::engine::grammar;

namespace {

std::shared_ptr<const Grammar> schema(const std::string& json) {
  auto g = json_schema_grammar(json, "schema");
  INFO(json);
  REQUIRE(g.has_value());
  return std::make_shared<const Grammar>(std::move(*g));
}

bool valid(const std::shared_ptr<const Grammar>& g, std::string_view text) {
  Matcher m(g);
  return m.accept(text) && m.can_end();
}

void check_all(const std::string& json, std::initializer_list<const char*> ok, std::initializer_list<const char*> bad) {
  const auto g = schema(json);
  for (const char* t : ok) {
    INFO(json << " should accept " << t);
    CHECK(valid(g, t));
  }
  for (const char* t : bad) {
    INFO(json << " should refuse " << t);
    CHECK_FALSE(valid(g, t));
  }
}

std::string error_of(const std::string& json) {
  auto g = json_schema_grammar(json, "response_format.json_schema.schema");
  REQUIRE_FALSE(g.has_value());
  return g.error().message;
}

}  // namespace

TEST_CASE("json schema: scalar types and lists of types", "[grammar][schema]") {
  check_all(R"({"type":"string"})", {"\"\"", "\"a b\"", "\"\\\"\""}, {"1", "null", "\"a"});
  check_all(R"({"type":"integer"})", {"0", "-12", "1234567890123456"}, {"1.5", "1e3", "\"1\"", "12345678901234567"});
  check_all(R"({"type":"number"})", {"0", "-1.25", "3e-7", "1E+2"}, {"+1", ".5", "1.", "NaN"});
  check_all(R"({"type":"boolean"})", {"true", "false"}, {"True", "1"});
  check_all(R"({"type":"null"})", {"null"}, {"nul", "\"null\""});
  check_all(R"({"type":["string","null"]})", {"\"x\"", "null"}, {"1", "true"});
  check_all(R"({})", {"1", "{\"a\":[]}", "\"s\"", "null"}, {"", "{"});
}

TEST_CASE("json schema: properties in order, required ones present, no others", "[grammar][schema]") {
  const char* s = R"({"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},
                      "tags":{"type":"array","items":{"type":"string"}}},
                      "required":["name","age"],"additionalProperties":false})";
  check_all(s, {R"({"name":"Ann","age":3})", R"({"name": "Ann", "age": 3, "tags": ["x"]})",
               "{\n  \"name\": \"A\",\n  \"age\": 1\n}"},
            {R"({"age":3,"name":"Ann"})", R"({"name":"Ann"})", R"({"name":"Ann","age":3,"x":1})",
             R"({"name":"Ann","age":"3"})", R"({"name":"Ann","age":3,})", R"({,"name":"Ann","age":3})"});
  check_all(R"({"properties":{"a":{"type":"integer"},"b":{"type":"integer"}}})",
            {"{}", R"({"a":1})", R"({"b":2})", R"({"a":1,"b":2})"}, {R"({"b":2,"a":1})", R"({"a":1 "b":2})"});
  check_all(R"({"type":"object","additionalProperties":{"type":"integer"}})", {"{}", R"({"x":1,"y":2})"},
            {R"({"x":"1"})"});
  check_all(R"({"type":"object","additionalProperties":false})", {"{}"}, {R"({"a":1})"});
  check_all(R"({"type":"object","required":["id"]})", {R"({"id":[1]})"}, {"{}"});
}

TEST_CASE("json schema: enum, const, anyOf, oneOf", "[grammar][schema]") {
  check_all(R"({"enum":["red","green",3,null,{"a":[1]}]})", {"\"red\"", "\"green\"", "3", "null", R"({"a":[1]})"},
            {"\"blue\"", "\"re\"", "4", R"({"a": [1]})"});
  check_all(R"({"const":"fixed"})", {"\"fixed\""}, {"\"fixe\"", "\"fixedd\""});
  const char* any = R"({"anyOf":[{"type":"object","properties":{"kind":{"const":"a"},"x":{"type":"integer"}},
                       "required":["kind","x"],"additionalProperties":false},
                      {"type":"object","properties":{"kind":{"const":"b"},"y":{"type":"string"}},
                       "required":["kind","y"],"additionalProperties":false}]})";
  check_all(any, {R"({"kind":"a","x":1})", R"({"kind":"b","y":"s"})"}, {R"({"kind":"a","y":"s"})", R"({"kind":"c","x":1})"});
  check_all(R"({"oneOf":[{"type":"integer"},{"type":"string","maxLength":2}]})", {"5", "\"ab\""}, {"\"abc\"", "1.5"});
}

TEST_CASE("json schema: arrays with items, minItems and maxItems", "[grammar][schema]") {
  check_all(R"({"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":3})", {"[1,2]", "[1, 2, 3]"},
            {"[]", "[1]", "[1,2,3,4]", "[1,\"2\"]", "[1,2,]"});
  check_all(R"({"type":"array","minItems":1})", {"[null]", "[1,{},[]]"}, {"[]"});
  check_all(R"({"type":"array","maxItems":0})", {"[]", "[ ]"}, {"[1]"});
  check_all(R"({"type":"array","items":{"type":"boolean"}})", {"[]", "[true,false,true,true,false]"}, {"[true,]"});
}

TEST_CASE("json schema: local $ref, $defs, recursion", "[grammar][schema]") {
  const char* tree = R"({"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{
                        "v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},
                        "required":["v"],"additionalProperties":false}}})";
  check_all(tree, {R"({"v":1})", R"({"v":1,"kids":[{"v":2,"kids":[{"v":3}]},{"v":4}]})"}, {R"({"v":1,"kids":[{}]})"});
  check_all(R"({"type":"object","properties":{"self":{"$ref":"#"}},"additionalProperties":false})",
            {"{}", R"({"self":{"self":{}}})"}, {R"({"self":1})"});
  check_all(R"({"definitions":{"n":{"type":"null"}},"type":"array","items":{"$ref":"#/definitions/n"}})", {"[null]"},
            {"[1]"});
}

TEST_CASE("json schema: string lengths count characters, escapes included", "[grammar][schema]") {
  check_all(R"({"type":"string","minLength":2,"maxLength":3})",
            {"\"ab\"", "\"abc\"", "\"\xC3\xA9\xC3\xA9\"", "\"a\\n\"", "\"\\u00e9b\"", "\"\\\"\\\\\""},
            {"\"a\"", "\"abcd\"", "\"\xC3\xA9\"", "\"\\ud83d\\ude00\""});
}

TEST_CASE("json schema: pattern, anchored or not, with JSON escaping", "[grammar][schema]") {
  check_all(R"({"type":"string","pattern":"^[a-z]+@[a-z]+\\.com$"})", {"\"joe@example.com\""},
            {"\"Joe@example.com\"", "\"joe@examplecom\"", "\"joe@example.com \""});
  check_all(R"({"type":"string","pattern":"ab"})", {"\"ab\"", "\"xxaby\""}, {"\"a b\""});
  check_all(R"({"type":"string","pattern":"^a\"b$"})", {"\"a\\\"b\""}, {"\"a\"b\""});
  check_all(R"j({"type":"string","pattern":"^(\\d{3}-)?\\d{4}$"})j", {"\"1234\"", "\"555-1234\""}, {"\"55-1234\"", "\"12345\""});
  check_all(R"({"type":"string","pattern":"^[^x]{2}$"})", {"\"ab\"", "\"\xC3\xA9\\n\""}, {"\"ax\""});
  check_all(R"j({"type":"string","pattern":"^(cat|dog)s?$"})j", {"\"cat\"", "\"dogs\""}, {"\"cow\""});
}

TEST_CASE("json schema: unsupported keywords and bad schemas are errors naming what and where", "[grammar][schema]") {
  const std::string nested_groups = R"({"type":"string","pattern":")" + std::string(100, '(') + "a" + std::string(100, ')') + "\"}";
  struct Case {
    const char* schema;
    const char* says;
  };
  for (Case c : {Case{R"({"type":"string","format":"date-time"})", "'format'"},
                 Case{R"({"type":"object","properties":{"n":{"type":"integer","minimum":1}}})", "'minimum' (at #/properties/n)"},
                 Case{R"({"allOf":[{"type":"string"}]})", "'allOf'"},
                 Case{R"({"not":{"type":"string"}})", "'not'"},
                 Case{R"({"type":"array","prefixItems":[]})", "'prefixItems'"},
                 Case{R"({"type":"array","uniqueItems":true})", "'uniqueItems'"},
                 Case{R"({"type":"object","patternProperties":{}})", "'patternProperties'"},
                 Case{R"j({"type":"string","pattern":"(?=a)"})j", "lookaround"},
                 Case{R"j({"type":"string","pattern":"(a)\\1"})j", "backreference"},
                 Case{R"({"type":"string","pattern":"a^b"})", "anchor"},
                 Case{R"({"type":"string","pattern":"a","maxLength":3})", "pattern together with"},
                 Case{R"({"$ref":"https://example.com/s.json"})", "not local"},
                 Case{R"({"$ref":"#/$defs/missing"})", "points at nothing"},
                 Case{R"({"$ref":"#"})", "without producing any text"},
                 Case{R"({"type":"strnig"})", "unknown type 'strnig'"},
                 Case{R"({"type":"string","maxLength":100000})", "maxLength above"},
                 Case{R"({"enum":[]})", "enum must be"},
                 Case{R"({"type":"object","required":["x"],"additionalProperties":false})", "'x' is not in properties"},
                 Case{R"(false)", "allows no value"},
                 Case{R"({"type":"string","pattern":"^[]$"})", "nothing can be produced"},
                 Case{nested_groups.c_str(), "nesting deeper than 64 groups"},
                 Case{"{\"type\":", "not valid JSON"}}) {
    const std::string m = error_of(c.schema);
    INFO(c.schema << " -> " << m);
    CHECK(m.find(c.says) != std::string::npos);
    CHECK(m.rfind("response_format.json_schema.schema: ", 0) == 0);
  }
}

TEST_CASE("json schema: no path leads where nothing can follow (dead ends are pruned)", "[grammar][schema]") {
  // [0-9] has no character JSON must escape: a backslash would start an escape that can
  // never complete, so it is not allowed at all.
  grammar::Matcher m(schema(R"({"type":"string","pattern":"^[0-9]{2}$"})"));
  REQUIRE(m.accept("\""));
  CHECK(m.allows("4"));
  CHECK_FALSE(m.allows("\\"));
  CHECK_FALSE(m.allows("a"));
}
