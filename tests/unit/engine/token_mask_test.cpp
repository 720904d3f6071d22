// The cached token masks equal a brute-force check of every token against the matcher,
// along random walks through JSON grammars (so positions deep in nested values, where the
// cache's context frames do not reach, are covered), on the demo vocabulary: byte tokens,
// words with and without the leading space, punctuation.
#include <catch2/catch.hpp>

#include <random>

#include "local_engine/demo_model.h"
#include "local_engine/grammar/json_schema.h"
#include "local_engine/grammar/token_mask.h"

using namespace switchyard::engine;
using namespace switchyard::engine::grammar;

namespace {

Tokenizer demo_tokenizer(int n_vocab) {
  DemoVocab d = demo_vocab(n_vocab);
  VocabData v;
  v.tokens = d.tokens;
  v.scores = d.scores;
  v.token_types = d.types;
  auto t = Tokenizer::create(std::move(v));
  REQUIRE(t.has_value());
  return std::move(*t);
}

// Walks `steps` tokens through the grammar, each drawn from the mask, comparing the mask
// with every token tried one by one.
void compare_walk(const std::shared_ptr<const Grammar>& g, const Tokenizer& tok, uint32_t seed, int steps) {
  auto vocab = std::make_shared<const VocabIndex>(tok);
  MaskCache cache(g, vocab);
  Matcher m(g);
  std::mt19937 rng(seed);
  TokenBits mask;
  for (int step = 0; step < steps && !m.finished(); ++step) {
    cache.allowed(m, mask);
    std::vector<int32_t> allowed;
    for (int32_t t = 0; t < tok.n_vocab(); ++t) {
      const std::string piece = tok.token_to_piece(t);
      const bool brute = !piece.empty() && m.allows(piece);
      INFO("seed " << seed << " step " << step << " token " << t << " '" << piece << "'");
      REQUIRE(mask.test(t) == brute);
      if (brute) allowed.push_back(t);
    }
    REQUIRE_FALSE(allowed.empty());
    // Prefer closing tokens now and then so walks also leave nested values.
    const int32_t pick = allowed[rng() % allowed.size()];
    REQUIRE(m.accept(tok.token_to_piece(pick)));
  }
}

}  // namespace

TEST_CASE("token mask: the cache agrees with a brute-force check along random walks", "[grammar][mask]") {
  const Tokenizer tok = demo_tokenizer(0);
  auto any = json_object_grammar();
  REQUIRE(any.has_value());
  const auto object = std::make_shared<const Grammar>(std::move(*any));
  auto typed = json_schema_grammar(R"({"type":"object","properties":{
      "name":{"type":"string","maxLength":6},"n":{"type":"integer"},
      "tags":{"type":"array","items":{"enum":["a","bb",true]},"maxItems":3},
      "deep":{"type":"array","items":{"type":"array","items":{"type":"object","properties":{"x":{"type":"number"}}}}},
      "code":{"type":"string","pattern":"^[a-c]{2}-\\d+$"}},
      "required":["name","n","tags","deep","code"],"additionalProperties":false})",
                                   "schema");
  REQUIRE(typed.has_value());
  const auto schema = std::make_shared<const Grammar>(std::move(*typed));
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    compare_walk(object, tok, seed, 60);
    compare_walk(schema, tok, seed, 60);
  }
}

TEST_CASE("token mask: repeated positions hit the cache, and control tokens are never allowed", "[grammar][mask]") {
  const Tokenizer tok = demo_tokenizer(0);
  auto g = json_object_grammar();
  REQUIRE(g.has_value());
  const auto grammar = std::make_shared<const Grammar>(std::move(*g));
  MaskCache cache(grammar, std::make_shared<const VocabIndex>(tok));
  TokenBits mask;
  int64_t first_misses = 0;
  for (int i = 0; i < 3; ++i) {
    Matcher m(grammar);
    cache.allowed(m, mask);
    if (i == 0) first_misses = cache.stats().misses;
    CHECK_FALSE(mask.test(tok.eos_id()));  // EOS is the caller's (allowed once can_end)
    CHECK_FALSE(mask.test(tok.bos_id()));
    CHECK(mask.test(*tok.find_token("{")));
    CHECK_FALSE(mask.test(*tok.find_token("[")));  // json_object: the root is an object
  }
  CHECK(first_misses >= 1);
  CHECK(cache.stats().misses == first_misses);  // the start position was walked once
  CHECK(cache.stats().hits == 2 * first_misses);
}
