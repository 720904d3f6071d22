#include <catch2/catch.hpp>

#include "local_engine/utf8.h"

using namespace switchyard::engine;

TEST_CASE("utf8 validity and incomplete tails", "[utf8]") {
  CHECK(utf8_is_valid("plain"));
  CHECK(utf8_is_valid("\xF0\x9F\x98\x80 \xE4\xBD\xA0"));
  CHECK_FALSE(utf8_is_valid("\xC3"));
  CHECK_FALSE(utf8_is_valid("\x80"));
  CHECK_FALSE(utf8_is_valid("\xED\xA0\x80"));  // surrogate
  CHECK_FALSE(utf8_is_valid("\xC0\xAF"));      // overlong
  CHECK(utf8_incomplete_tail("ab\xF0\x9F\x98") == 3);
  CHECK(utf8_incomplete_tail("ab\xF0") == 1);
  CHECK(utf8_incomplete_tail("ab\xF0\x9F\x98\x80") == 0);
  CHECK(utf8_incomplete_tail("ab\x80") == 0);
  CHECK(utf8_sanitize("a\xFF" "b") == "a\xEF\xBF\xBD" "b");
}

TEST_CASE("Utf8Stream holds back partial characters and flushes at the end", "[utf8]") {
  Utf8Stream s;
  CHECK(s.push("a\xF0") == "a");
  CHECK(s.push("\x9F") == "");
  CHECK(s.push("\x98") == "");
  CHECK(s.push("\x80" "b") == "\xF0\x9F\x98\x80" "b");
  CHECK(s.push("\xE4\xBD") == "");
  CHECK(s.flush() == "\xEF\xBF\xBD");  // truncated at the end: replacement char
  CHECK(s.push("\xFF" "x") == "\xEF\xBF\xBD" "x");
}
