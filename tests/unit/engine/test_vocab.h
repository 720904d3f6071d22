// A small hand-built SPM vocabulary shared by the engine tests: <unk>, <s>, </s>, the 256
// byte-fallback tokens "<0x00>".."<0xFF>" (ids 3..258), then normal tokens with scores.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "local_engine/tokenizer.h"

namespace switchyard::engine::test {

inline int32_t byte_id(unsigned char b) { return 3 + b; }

inline VocabData small_vocab(const std::vector<std::pair<std::string, float>>& normal) {
  VocabData v;
  v.tokens = {"<unk>", "<s>", "</s>"};
  v.scores = {0, 0, 0};
  v.token_types = {2, 3, 3};
  static constexpr char hex[] = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    v.tokens.push_back(std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">");
    v.scores.push_back(0);
    v.token_types.push_back(6);
  }
  for (const auto& [text, score] : normal) {
    v.tokens.push_back(text);
    v.scores.push_back(score);
    v.token_types.push_back(1);
  }
  v.bos_id = 1;
  v.eos_id = 2;
  v.unk_id = 0;
  return v;
}

// ids 259.. in this order
inline std::vector<std::pair<std::string, float>> hello_tokens() {
  return {
      {"\xE2\x96\x81", -10},              // 259 ▁
      {"h", -10},                          // 260
      {"e", -10},                          // 261
      {"l", -10},                          // 262
      {"o", -10},                          // 263
      {"he", -3},                          // 264
      {"ll", -2},                          // 265
      {"llo", -1},                         // 266
      {"hello", -0.5f},                    // 267
      {"\xE2\x96\x81hello", 0},            // 268 ▁hello
      {"a", -10},                          // 269
      {"b", -10},                          // 270
      {"c", -10},                          // 271
      {"ab", -1},                          // 272
      {"bc", -1},                          // 273
      {"\xE2\x96\x81\xE2\x96\x81", -5},    // 274 ▁▁
      {"\n", -10},                         // 275
      {"\xE4\xBD\xA0", -10},               // 276 你
  };
}

}  // namespace switchyard::engine::test
