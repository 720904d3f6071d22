// The byte-level grammar machinery: the JSON grammar accepts exactly JSON, UTF-8 ranges
// encode exactly the code points asked for, epsilon removal and the left-recursion check,
// and the matcher's accept / allows / can_end / finished.
#include <catch2/catch.hpp>

#include "local_engine/grammar/codepoints.h"
#include "local_engine/grammar/json_schema.h"
#include "local_engine/grammar/matcher.h"

using namespace switchyard::engine;
using namespace switchyard::engine::grammar;

namespace {

std::shared_ptr<const Grammar> object_grammar() {
  auto g = json_object_grammar();
  REQUIRE(g.has_value());
  return std::make_shared<const Grammar>(std::move(*g));
}

bool complete(const std::shared_ptr<const Grammar>& g, std::string_view text) {
  Matcher m(g);
  return m.accept(text) && m.can_end();
}

}  // namespace

TEST_CASE("grammar: the json_object grammar accepts JSON objects and nothing else", "[grammar]") {
  const auto g = object_grammar();
  for (const char* ok : {"{}", "{\"a\":1}", " {\"a\": 1}", "{\"a\":[1,-2.5e3,0.25,\"x\\n\\u00e9\",true,null,{\"b\":{}}]}",
                         "{\n  \"k\": \"v\",\n  \"n\": [ ]\n}", "{\"\xC3\xA9\xF0\x9F\x98\x80\": \"caf\xC3\xA9\"}",
                         "{\"a\":0}", "{\"a\":-0.0E+12}"}) {
    INFO(ok);
    CHECK(complete(g, ok));
  }
  for (const char* bad : {"[]", "{\"a\":}", "{a:1}", "{\"a\":1,}", "{\"a\":01}", "{\"a\":\"\x01\"}", "{\"a\":1} ",
                          "{\"a\":\"\xFF\"}", "{\"a\":\"\xED\xA0\x80\"}", "{\"a\":tru}", "{\"a\":1.}", "{\"a\":\"\\x\"}",
                          "  {}", "{\"a\" 1}"}) {
    INFO(bad);
    CHECK_FALSE(complete(g, bad));
  }
}

TEST_CASE("grammar: a prefix is accepted, can_end and finished say where the output may stop", "[grammar]") {
  Matcher m(object_grammar());
  CHECK_FALSE(m.can_end());
  CHECK(m.accept("{\"a\": [1"));
  CHECK_FALSE(m.can_end());
  CHECK(m.allows("2, 3]"));
  CHECK_FALSE(m.allows("}"));   // the array is open
  CHECK_FALSE(m.accept("]]"));  // rejected: nothing moved
  CHECK(m.accept("]"));
  CHECK(m.accept("}"));
  CHECK(m.can_end());
  CHECK(m.finished());  // nothing may follow the object
  CHECK_FALSE(m.allows(" "));
}

TEST_CASE("grammar: a deep nesting keeps working past the arena's compaction", "[grammar]") {
  Matcher m(object_grammar());
  REQUIRE(m.accept("{\"a\":"));
  for (int i = 0; i < 3000; ++i) REQUIRE(m.accept("["));
  for (int i = 0; i < 3000; ++i) REQUIRE(m.accept("]"));
  CHECK(m.accept("}"));
  CHECK(m.can_end());
}

TEST_CASE("grammar: utf8 sequences encode every code point of a range and nothing else", "[grammar]") {
  struct Case {
    uint32_t lo, hi;
  };
  for (Case c : {Case{0, 0x10FFFF}, Case{0x41, 0x5A}, Case{0x7F, 0x800}, Case{0xD000, 0xE100}, Case{0x10000, 0x10FFFF},
                 Case{0x3A0, 0x3A0}}) {
    const auto seqs = utf8_sequences(c.lo, c.hi);
    auto covered = [&](uint32_t cp) {
      const auto bytes = utf8_encode(cp);
      return std::any_of(seqs.begin(), seqs.end(), [&](const Utf8Sequence& s) {
        if (s.size() != bytes.size()) return false;
        for (size_t k = 0; k < s.size(); ++k)
          if (bytes[k] < s[k].lo || bytes[k] > s[k].hi) return false;
        return true;
      });
    };
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp += (cp < 0x11000 ? 1 : 97)) {
      const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
      if (surrogate) continue;
      INFO(std::hex << "range " << c.lo << "-" << c.hi << " cp " << cp);
      REQUIRE(covered(cp) == (cp >= c.lo && cp <= c.hi));
    }
  }
}

TEST_CASE("grammar: epsilon loops build, left recursion is refused", "[grammar]") {
  GrammarBuilder b;
  const int32_t r = b.add_rule("r");
  const int32_t a = b.add_state();
  b.add_eps(b.start_of(r), a);
  b.add_eps(a, b.start_of(r));  // an epsilon cycle is fine
  b.add_bytes(a, 'x', 'x', a);
  b.set_accepting(a);
  auto g = b.build(r);
  REQUIRE(g.has_value());
  auto shared = std::make_shared<const Grammar>(std::move(*g));
  CHECK(complete(shared, "xxx"));
  CHECK(complete(shared, ""));

  GrammarBuilder lb;
  const int32_t left = lb.add_rule("list");
  const int32_t after = lb.add_state();
  lb.add_call(lb.start_of(left), left, after);  // list ::= list "x" | "x"
  lb.add_bytes(after, 'x', 'x', lb.add_state());
  auto bad = lb.build(left);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find("'list'") != std::string::npos);
}

TEST_CASE("grammar: ambiguous branches that look alike do not multiply the paths", "[grammar]") {
  // r ::= "" | "[" r "]" | "[" r "]": two paths push equal frames at every level.
  GrammarBuilder b;
  const int32_t r = b.add_rule("r");
  const int32_t start = b.start_of(r), after = b.add_state(), end = b.add_state();
  b.set_accepting(start);
  b.set_accepting(end);
  for (int branch = 0; branch < 2; ++branch) {
    const int32_t open = b.add_state();
    b.add_bytes(start, '[', '[', open);
    b.add_call(open, r, after);
  }
  b.add_bytes(after, ']', ']', end);
  auto g = b.build(r);
  REQUIRE(g.has_value());
  Matcher m(std::make_shared<const Grammar>(std::move(*g)));
  for (int i = 0; i < 40; ++i) {
    REQUIRE(m.accept("["));
    CHECK(m.threads().size() <= 2);  // without merging equal stacks: 2^depth
  }
  for (int i = 0; i < 40; ++i) REQUIRE(m.accept("]"));
  CHECK(m.can_end());
}
