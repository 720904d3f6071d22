#include <catch2/catch.hpp>

#include "local_engine/tokenizer_gguf.h"
#include "test_vocab.h"

using namespace switchyard::engine;

TEST_CASE("tokenizer loads from GGUF tokenizer.ggml.* metadata", "[tokenizer]") {
  const VocabData v = test::small_vocab(test::hello_tokens());
  GgufWriter w;
  w.add_string("general.architecture", "llama");
  w.add_string("tokenizer.ggml.model", "llama");
  w.add_array_string("tokenizer.ggml.tokens", v.tokens);
  w.add_array_f32("tokenizer.ggml.scores", v.scores);
  w.add_array_i32("tokenizer.ggml.token_type", v.token_types);
  w.add_u32("tokenizer.ggml.bos_token_id", 1);
  w.add_u32("tokenizer.ggml.eos_token_id", 2);
  w.add_u32("tokenizer.ggml.unknown_token_id", 0);
  w.add_bool("tokenizer.ggml.add_bos_token", true);
  w.add_string("tokenizer.chat_template", "{{ '<|im_start|>' }}");
  const auto bytes = w.serialize();
  auto g = GgufFile::parse(bytes);
  REQUIRE(g.has_value());
  auto t = tokenizer_from_gguf(**g);
  REQUIRE(t.has_value());
  CHECK(t->encode("hello") == std::vector<int32_t>{1, 268});
  CHECK(t->token_type(2) == TokenType::control);
  CHECK(chat_template_from_gguf(**g) == std::optional<std::string>("{{ '<|im_start|>' }}"));

  GgufWriter bad;
  bad.add_string("tokenizer.ggml.model", "gpt2");
  const auto bad_bytes = bad.serialize();
  auto gb = GgufFile::parse(bad_bytes);
  REQUIRE(gb.has_value());
  CHECK_FALSE(tokenizer_from_gguf(**gb).has_value());
}
