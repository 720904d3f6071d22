// The prefix cache's index: whole-block hits from the start, shared blocks stored once,
// least-recently-used leaves evicted first, chains never broken in the middle.
#include <catch2/catch.hpp>

#include <numeric>

#include "local_engine/prefix_cache.h"

using switchyard::engine::PrefixCache;

namespace {

std::vector<int32_t> range(int32_t from, int32_t n) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), from);
  return v;
}

std::vector<int32_t> concat(std::vector<int32_t> a, const std::vector<int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("prefix cache: whole blocks from the start hit, in order, up to the limit", "[prefix_cache]") {
  PrefixCache cache(4, 64);  // 16 blocks of 4 tokens
  CHECK(cache.capacity_blocks() == 16);
  const auto prompt = range(100, 14);  // 3 whole blocks + 2 tokens
  CHECK(cache.lookup(prompt, prompt.size()).empty());
  const auto placed = cache.insert(prompt);
  REQUIRE(placed.size() == 3);
  for (size_t i = 0; i < placed.size(); ++i) CHECK(placed[i].block == int32_t(i));
  CHECK(cache.used_blocks() == 3);

  const auto hit = cache.lookup(prompt, prompt.size());
  REQUIRE(hit.size() == 3);
  for (size_t i = 0; i < hit.size(); ++i) CHECK(hit[i] == placed[i].pool_pos);
  CHECK(cache.lookup(prompt, 11).size() == 2);  // the caller keeps at least one token to run
  CHECK(cache.insert(prompt).empty());          // nothing new
  auto other = prompt;
  other[5] = 7;  // differs inside block 1
  CHECK(cache.lookup(other, other.size()).size() == 1);
  other = prompt;
  other[0] = 7;  // a different first block: nothing, even though later blocks repeat
  CHECK(cache.lookup(other, other.size()).empty());
}

TEST_CASE("prefix cache: prompts sharing a prefix store the shared blocks once", "[prefix_cache]") {
  PrefixCache cache(4, 64);
  const auto system = range(1, 8);  // 2 blocks
  const auto a = concat(system, range(500, 8));
  const auto b = concat(system, range(900, 8));
  CHECK(cache.insert(a).size() == 4);
  const auto placed_b = cache.insert(b);
  REQUIRE(placed_b.size() == 2);
  CHECK(placed_b[0].block == 2);
  CHECK(cache.used_blocks() == 6);
  CHECK(cache.lookup(b, b.size()).size() == 4);
  CHECK(cache.lookup(concat(system, range(0, 8)), 16).size() == 2);
}

TEST_CASE("prefix cache: a full pool evicts the least recently used leaf first", "[prefix_cache]") {
  PrefixCache cache(2, 8);  // 4 blocks of 2 tokens
  const auto a = range(10, 6);  // 3 blocks
  const auto b = range(50, 4);  // 2 blocks
  CHECK(cache.insert(a).size() == 3);
  CHECK(cache.insert(b).size() == 2);  // needs one more block: a's last (its only leaf) goes
  CHECK(cache.stats().evicted_blocks == 1);
  CHECK(cache.lookup(a, a.size()).size() == 2);  // a's chain is whole from its root
  CHECK(cache.lookup(b, b.size()).size() == 2);

  cache.lookup(a, a.size());    // a used most recently: b's leaf is now the LRU leaf
  const auto c = range(80, 2);  // 1 block: evicts b's leaf
  CHECK(cache.insert(c).size() == 1);
  CHECK(cache.lookup(b, b.size()).size() == 1);
  CHECK(cache.lookup(a, a.size()).size() == 2);
  CHECK(cache.lookup(c, c.size()).size() == 1);
  CHECK(cache.used_blocks() == 4);
}

TEST_CASE("prefix cache: a chain longer than the pool is cached as far as it fits", "[prefix_cache]") {
  PrefixCache cache(4, 8);  // 2 blocks
  const auto long_prompt = range(0, 20);
  CHECK(cache.insert(long_prompt).size() == 2);  // the third would have to evict its own parent
  CHECK(cache.lookup(long_prompt, long_prompt.size()).size() == 2);
  PrefixCache none(4, 3);  // less than one block: no cache at all
  CHECK(none.capacity_blocks() == 0);
  CHECK(none.insert(long_prompt).empty());
  CHECK(none.lookup(long_prompt, 20).empty());
}
