#include <catch2/catch.hpp>
#include <simdjson.h>

#include "proxy/api/openai/legacy_logprobs.h"

using namespace switchyard::proxy;

namespace {
simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& s) { return p.parse(s).value(); }
}  // namespace

TEST_CASE("legacy logprobs from chat-form events: parallel arrays, sampled token in top, offsets in code points",
          "[response][logprobs]") {
  LegacyLogprobs l;
  // "H" then the two halves of "é" (0xC3 0xA9) then "!": the halves print as U+FFFD.
  l.append(R"({"content":[{"token":"H","logprob":-0.5,"bytes":[72],"top_logprobs":[{"token":"H","logprob":-0.5},{"token":"J","logprob":-1.5}]}]})");
  l.append(R"({"content":[{"token":"\ufffd","logprob":-0.25,"bytes":[195],"top_logprobs":[]}]})");
  l.append(R"({"content":[{"token":"\ufffd","logprob":-0.125,"bytes":[169],"top_logprobs":[{"token":"x","logprob":-3}]}]})");
  l.append(R"({"content":[{"token":"!","logprob":-1,"top_logprobs":[]}]})");  // no bytes: counted from token
  simdjson::dom::parser p;
  auto o = parse(p, l.to_json());
  auto tokens = o["tokens"].get_array().value();
  REQUIRE(tokens.size() == 4);
  CHECK(std::string_view(tokens.at(0).get_string().value()) == "H");
  CHECK(o["token_logprobs"].at(2).get_double().value() == -0.125);
  auto offsets = o["text_offset"].get_array().value();
  CHECK(offsets.at(0).get_int64().value() == 0);
  CHECK(offsets.at(1).get_int64().value() == 1);
  CHECK(offsets.at(2).get_int64().value() == 2);  // the continuation byte starts no character
  CHECK(offsets.at(3).get_int64().value() == 2);
  auto top0 = o["top_logprobs"].at(0).get_object().value();
  CHECK(top0.size() == 2);  // H once, not twice
  CHECK(top0["J"].get_double().value() == -1.5);
  auto top1 = o["top_logprobs"].at(1).get_object().value();
  CHECK(top1.size() == 1);  // logprobs: 0 still names the sampled token
  CHECK(o["top_logprobs"].at(2).get_object().value().size() == 2);
}

TEST_CASE("legacy logprobs: a legacy upstream's object is re-offset, chunks hold only new positions", "[response][logprobs]") {
  LegacyLogprobs l;
  l.append(R"({"tokens":["ab","c"],"token_logprobs":[-1,-2],"top_logprobs":[{"ab":-1,"x":-4},{"c":-2}],"text_offset":[100,102]})");
  simdjson::dom::parser p;
  auto first = parse(p, l.take_chunk_json());
  CHECK(first["tokens"].get_array().value().size() == 2);
  CHECK(first["text_offset"].at(1).get_int64().value() == 2);
  CHECK(first["top_logprobs"].at(0)["x"].get_double().value() == -4);
  l.append(R"({"content":[{"token":"d","logprob":-3,"bytes":[100],"top_logprobs":[]}]})");
  auto second = parse(p, l.take_chunk_json());
  REQUIRE(second["tokens"].get_array().value().size() == 1);
  CHECK(second["text_offset"].at(0).get_int64().value() == 3);
  CHECK(parse(p, l.take_chunk_json())["tokens"].get_array().value().size() == 0);
  l.append("not json");
  l.append(R"({"content":"wrong"})");
  CHECK(parse(p, l.to_json())["tokens"].get_array().value().size() == 3);
}
