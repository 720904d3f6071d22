#include <catch2/catch.hpp>

#include "providers/json_writer.h"

using namespace switchyard;

TEST_CASE("JsonWriter places commas and escapes strings", "[json]") {
  JsonWriter w;
  w.begin_object().field("a", int64_t{1}).field("s", "q\"\\\n\x01").key("arr").begin_array();
  w.value(true).null().raw("{\"x\":[]}").end_array().end_object();
  CHECK(w.str() == "{\"a\":1,\"s\":\"q\\\"\\\\\\n\\u0001\",\"arr\":[true,null,{\"x\":[]}]}");
}

TEST_CASE("JsonWriter writes shortest round-tripping doubles", "[json]") {
  JsonWriter w;
  w.begin_array().value(0.1).value(1.0).value(2.5e-7).end_array();
  CHECK(w.str() == "[0.1,1,2.5e-07]");
}

