#include <catch2/catch.hpp>

#include "db/key_hash.h"

using namespace switchyard::db;

TEST_CASE("hash_key is SHA-256 in lower-case hex", "[db][keys]") {
  // FIPS 180-2 test vector.
  CHECK(hash_key("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hash_key("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("generated keys are distinct and well formed", "[db][keys]") {
  std::string a = generate_key(), b = generate_key();
  CHECK(a != b);
  CHECK(a.rfind("sk-sy-v1-", 0) == 0);
  CHECK(a.size() == 9 + 64);
  CHECK(hash_key(a) != hash_key(b));
}
