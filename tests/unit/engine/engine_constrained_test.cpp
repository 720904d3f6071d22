// Constrained decoding through the engine on the random-weight demo model: its logits
// know nothing of JSON, so only the mask keeps the output valid. Every output is parsed by
// simdjson and checked against the schema by hand-written checks (not by the grammar).
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <algorithm>
#include <set>

#include "demo_engine.h"
#include "local_engine/grammar/json_schema.h"
#include "local_engine/grammar/matcher.h"

using namespace switchyard::engine;

namespace {

struct Output {
  std::string text, finish, native;
  int64_t completion_tokens = 0;
};

Output generate(Engine& e, GenerationRequest r) {
  auto g = e.submit(std::move(r));
  REQUIRE(g.has_value());
  Output o;
  while (auto ev = (*g)->next()) {
    INFO(ev->error << " after: " << o.text);
    REQUIRE(ev->kind != GenerationEvent::Kind::error);
    o.text += ev->text;
    if (ev->kind == GenerationEvent::Kind::finish) {
      o.finish = ev->finish_reason;
      o.native = ev->native_finish_reason;
      o.completion_tokens = ev->usage.completion_tokens;
    }
  }
  return o;
}

GenerationRequest sampled(uint64_t seed, const std::string& user, ResponseFormat format, int max_tokens) {
  GenerationRequest r;
  r.messages = {{"user", user}};
  r.sampling.temperature = 1.0f;
  r.sampling.seed = seed;
  r.sampling.top_k = seed % 3 == 0 ? 40 : 0;    // the filters choose among allowed tokens
  r.sampling.top_p = seed % 3 == 1 ? 0.9f : 1.0f;
  r.max_tokens = max_tokens;
  r.response_format = std::move(format);
  return r;
}

size_t codepoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

constexpr const char* kPersonSchema = R"({"type":"object","properties":{
  "name":{"type":"string","minLength":1,"maxLength":8},
  "age":{"type":"integer"},
  "role":{"enum":["admin","user","guest"]},
  "tags":{"type":"array","items":{"type":"string","maxLength":4},"maxItems":3},
  "active":{"type":"boolean"},
  "score":{"type":["number","null"]},
  "address":{"type":"object","properties":{"city":{"type":"string","maxLength":6},
             "zip":{"type":"string","pattern":"^[0-9]{5}$"}},"required":["city","zip"],"additionalProperties":false},
  "pet":{"anyOf":[{"type":"object","properties":{"kind":{"const":"cat"},"lives":{"type":"integer"}},
                   "required":["kind","lives"],"additionalProperties":false},
                  {"type":"object","properties":{"kind":{"const":"dog"}},"required":["kind"],"additionalProperties":false}]}},
  "required":["name","age","role","address","pet"],"additionalProperties":false})";

// kPersonSchema, checked by hand.
void check_person(simdjson::dom::element doc) {
  using namespace simdjson;
  REQUIRE(doc.is_object());
  const std::set<std::string_view> known = {"name", "age", "role", "tags", "active", "score", "address", "pet"};
  std::set<std::string_view> seen;
  for (auto [k, v] : dom::object(doc)) {
    CHECK(known.count(k));
    seen.insert(k);
  }
  for (std::string_view k : {"name", "age", "role", "address", "pet"}) CHECK(seen.count(k));
  const std::string_view name = doc["name"].get_string().value();
  CHECK((codepoints(name) >= 1 && codepoints(name) <= 8));
  CHECK(doc["age"].is_int64());
  const std::string_view role = doc["role"].get_string().value();
  CHECK((role == "admin" || role == "user" || role == "guest"));
  if (seen.count("tags")) {
    dom::array tags = doc["tags"].get_array().value();
    CHECK(tags.size() <= 3);
    for (dom::element t : tags) CHECK(codepoints(t.get_string().value()) <= 4);
  }
  if (seen.count("active")) CHECK(doc["active"].is_bool());
  if (seen.count("score")) CHECK((doc["score"].is_number() || doc["score"].is_null()));
  dom::object address = doc["address"].get_object().value();
  CHECK(address.size() == 2);
  CHECK(codepoints(address["city"].get_string().value()) <= 6);
  const std::string_view zip = address["zip"].get_string().value();
  CHECK((zip.size() == 5 && std::all_of(zip.begin(), zip.end(), [](char c) { return c >= '0' && c <= '9'; })));
  dom::object pet = doc["pet"].get_object().value();
  const std::string_view kind = pet["kind"].get_string().value();
  if (kind == "cat") CHECK((pet.size() == 2 && pet["lives"].is_int64()));
  else CHECK((kind == "dog" && pet.size() == 1));
}

}  // namespace

TEST_CASE("constrained: schema output over many seeds always parses and validates", "[engine][constrained]") {
  auto e = test::open_demo_engine(1024);
  simdjson::dom::parser parser;
  const char* prompts[] = {"Describe a person.", "Hello", "Give me JSON!"};
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const Output o = generate(*e, sampled(seed, prompts[seed % 3], {ResponseFormat::Kind::json_schema, kPersonSchema}, 600));
    INFO("seed " << seed << ": " << o.text);
    REQUIRE(o.finish == "stop");
    CHECK(o.native == "grammar");
    simdjson::dom::element doc;
    REQUIRE(parser.parse(o.text).get(doc) == simdjson::SUCCESS);
    check_person(doc);
  }
}

TEST_CASE("constrained: json_object output parses as an object, or stops at max_tokens as a prefix of one", "[engine][constrained]") {
  auto e = test::open_demo_engine(1024);
  simdjson::dom::parser parser;
  auto object = grammar::json_object_grammar();
  REQUIRE(object.has_value());
  const auto g = std::make_shared<const grammar::Grammar>(std::move(*object));
  int complete = 0;
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    const Output o = generate(*e, sampled(seed, "Reply in JSON", {ResponseFormat::Kind::json_object, ""}, 160));
    INFO("seed " << seed << ": " << o.finish << " " << o.text);
    if (o.finish == "stop") {
      ++complete;
      simdjson::dom::element doc;
      REQUIRE(parser.parse(o.text).get(doc) == simdjson::SUCCESS);
      CHECK(doc.is_object());
    } else {
      REQUIRE(o.finish == "length");
      CHECK(o.completion_tokens == 160);
      grammar::Matcher m(g);
      CHECK(m.accept(o.text));  // a valid start of an object
      CHECK_FALSE(m.can_end());
    }
  }
  CHECK(complete > 0);
}

TEST_CASE("constrained: greedy decoding under a mask, and a bad schema refused at submit", "[engine][constrained]") {
  auto e = test::open_demo_engine();
  GenerationRequest r;
  r.messages = {{"user", "Pick one"}};
  r.sampling.temperature = 0;
  r.response_format = {ResponseFormat::Kind::json_schema, R"({"enum":["alpha","beta",42]})"};
  const Output a = generate(*e, r), b = generate(*e, r);
  CHECK(a.text == b.text);
  CHECK((a.text == "\"alpha\"" || a.text == "\"beta\"" || a.text == "42"));
  CHECK(a.finish == "stop");

  r.response_format = {ResponseFormat::Kind::json_schema, R"({"type":"object","properties":{"d":{"type":"string","format":"date"}}})"};
  auto bad = e->submit(r);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().kind == SubmitError::Kind::invalid_request);
  CHECK(bad.error().message ==
        "response_format.json_schema.schema: unsupported JSON-schema keyword 'format' (at #/properties/d)");
}
