#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>

#include "local_engine/tokenizer.h"
#include "test_vocab.h"

using namespace switchyard::engine;
using switchyard::engine::test::byte_id;
using switchyard::engine::test::hello_tokens;
using switchyard::engine::test::small_vocab;

namespace {

Tokenizer make(const VocabData& v) {
  auto t = Tokenizer::create(v);
  REQUIRE(t.has_value());
  return std::move(*t);
}

// Independent reference: the same greedy merge written naively. Symbols are strings;
// each round scans all adjacent pairs for the best (highest score, leftmost) vocab pair.
std::vector<int32_t> naive_spm(const VocabData& v, const std::string& text_in, bool bos) {
  std::map<std::string, int32_t> ids;
  for (size_t i = 0; i < v.tokens.size(); ++i) ids[v.tokens[i]] = static_cast<int32_t>(i);
  std::string text = " " + text_in;
  std::string esc;
  for (char c : text) esc += (c == ' ') ? std::string("\xE2\x96\x81") : std::string(1, c);
  std::vector<std::string> syms;
  for (size_t i = 0; i < esc.size();) {
    const size_t n = std::max<size_t>(1, utf8_valid_char_len(std::string_view(esc).substr(i)));
    syms.push_back(esc.substr(i, n));
    i += n;
  }
  for (;;) {
    int best = -1;
    float best_score = 0;
    for (size_t i = 0; i + 1 < syms.size(); ++i) {
      auto it = ids.find(syms[i] + syms[i + 1]);
      if (it == ids.end()) continue;
      const float s = v.scores[static_cast<size_t>(it->second)];
      if (best < 0 || s > best_score) {
        best = static_cast<int>(i);
        best_score = s;
      }
    }
    if (best < 0) break;
    syms[static_cast<size_t>(best)] += syms[static_cast<size_t>(best) + 1];
    syms.erase(syms.begin() + best + 1);
  }
  std::vector<int32_t> out;
  if (bos) out.push_back(v.bos_id);
  for (const auto& s : syms) {
    auto it = ids.find(s);
    if (it != ids.end()) {
      out.push_back(it->second);
    } else {
      for (unsigned char b : s) out.push_back(byte_id(b));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("SPM encode gives the hand-computed ids", "[tokenizer]") {
  const Tokenizer t = make(small_vocab(hello_tokens()));
  using V = std::vector<int32_t>;
  // "▁hello": ll(-2) -> llo(-1) -> he(-3) -> hello(-0.5) -> ▁hello(0)
  CHECK(t.encode("hello") == V{1, 268});
  CHECK(t.encode("hello hello") == V{1, 268, 268});
  CHECK(t.encode("hello", {.add_bos = false}) == V{268});
  // "hell" is no token: ▁ he ll
  CHECK(t.encode("hell") == V{1, 259, 264, 265});
  // equal scores: the leftmost pair merges first (ab, not bc)
  CHECK(t.encode("abc") == V{1, 259, 272, 271});
  // é has no token: its two bytes fall back to <0xC3><0xA9>
  CHECK(t.encode("h\xC3\xA9") == V{1, 259, 260, byte_id(0xC3), byte_id(0xA9)});
  // runs of spaces: "▁▁" (-5) loses to "▁hello" (0) once "hello" exists
  CHECK(t.encode(" hello") == V{1, 259, 268});
  CHECK(t.encode("  ") == V{1, 274, 259});  // ▁▁▁: leftmost pair first
  CHECK(t.encode("") == V{1});
  CHECK(t.encode("", {.add_bos = false}).empty());
  CHECK(t.encode("\xE4\xBD\xA0") == V{1, 259, 276});
}

TEST_CASE("control-token strings in text are text unless parse_special", "[tokenizer]") {
  const Tokenizer t = make(small_vocab(hello_tokens()));
  using V = std::vector<int32_t>;
  const auto plain = t.encode("</s>");
  CHECK(std::find(plain.begin(), plain.end(), 2) == plain.end());
  CHECK(plain == V{1, 259, byte_id('<'), byte_id('/'), byte_id('s'), byte_id('>')});
  CHECK(t.encode("</s>", {.parse_special = true}) == V{1, 2});
  // a fragment after a special token gets the space prefix again, as llama.cpp
  CHECK(t.encode("hello</s>hello", {.parse_special = true}) == V{1, 268, 2, 268});
  // segments: specials by id, text never parsed
  std::vector<Segment> segs{Segment::of_text("hel"), Segment::of_text("lo"), Segment::of_token(2),
                            Segment::of_text("<s>")};
  const auto ids = t.encode_segments(segs);
  CHECK(ids[0] == 1);
  CHECK(ids[1] == 268);
  CHECK(ids[2] == 2);
  CHECK(std::count(ids.begin(), ids.end(), 1) == 1);
}

TEST_CASE("SPM encode matches a naive reference on random text", "[tokenizer]") {
  std::mt19937 rng(1234);
  const std::vector<std::string> alphabet = {"a", "b", "c", " ", "\n", "\xC3\xA9", "\xF0\x9F\x98\x80", "\xE4\xBD\xA0", "l", "o"};
  for (int round = 0; round < 20; ++round) {
    // random vocab of substrings of random text with random (often tied) scores
    // real SPM vocabs always hold "▁"; without it a space decodes as the raw U+2581
    std::vector<std::pair<std::string, float>> normal{{"\xE2\x96\x81", -6}};
    std::map<std::string, bool> seen{{"\xE2\x96\x81", true}};
    std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
    std::uniform_int_distribution<int> len(1, 4), score(-5, 0);
    for (int k = 0; k < 60; ++k) {
      std::string tok;
      for (int j = len(rng); j > 0; --j) {
        std::string ch = alphabet[pick(rng)];
        tok += ch == " " ? std::string("\xE2\x96\x81") : ch;
      }
      if (seen.emplace(tok, true).second) normal.emplace_back(tok, static_cast<float>(score(rng)));
    }
    const VocabData v = small_vocab(normal);
    const Tokenizer t = make(v);
    for (int s = 0; s < 30; ++s) {
      std::string text;
      for (int j = std::uniform_int_distribution<int>(0, 24)(rng); j > 0; --j) text += alphabet[pick(rng)];
      INFO("text: " << text);
      if (text.empty()) continue;
      CHECK(t.encode(text) == naive_spm(v, text, true));
      CHECK(t.decode(t.encode(text)) == text);
    }
  }
}

TEST_CASE("decode(encode(s)) == s for tricky text", "[tokenizer]") {
  const Tokenizer t = make(small_vocab(hello_tokens()));
  const std::vector<std::string> texts = {
      "hello", " hello", "  two leading", "runs   of    spaces  ", "new\nlines\n\n", "\n", " ",
      "emoji \xF0\x9F\x98\x80\xF0\x9F\x8E\x89", "CJK \xE4\xBD\xA0\xE5\xA5\xBD\xE4\xB8\x96\xE7\x95\x8C",
      "</s> <s> [INST]", "tab\there", "\xFF\xFE invalid \xC3 bytes \xE2\x82",
  };
  for (const auto& s : texts) {
    INFO("text: " << s);
    CHECK(t.decode(t.encode(s)) == s);
    CHECK(t.decode(t.encode(s, {.add_bos = false})) == s);
  }
  // control tokens render as nothing unless asked
  const std::vector<int32_t> ids{1, 268, 2};
  CHECK(t.decode(ids) == "hello");
  CHECK(t.decode(ids, {.strip_leading_space = false}) == " hello");
  CHECK(t.decode(ids, {.strip_leading_space = true, .render_special = true}) == "<s> hello</s>");
}

TEST_CASE("tokenizer rejects inconsistent vocabularies", "[tokenizer]") {
  VocabData v = small_vocab(hello_tokens());
  v.scores.pop_back();
  CHECK_FALSE(Tokenizer::create(v).has_value());
  VocabData w = small_vocab(hello_tokens());
  w.eos_id = 100000;
  CHECK_FALSE(Tokenizer::create(w).has_value());
  CHECK_FALSE(Tokenizer::create(VocabData{}).has_value());
}

TEST_CASE("streaming detokenizer never splits a UTF-8 character", "[tokenizer][utf8]") {
  const Tokenizer t = make(small_vocab(hello_tokens()));
  // 😀 = F0 9F 98 80 arrives as four byte tokens
  const auto ids = t.encode("hello \xF0\x9F\x98\x80!", {.add_bos = false});
  StreamingDetokenizer d(t, true);
  std::string all;
  std::vector<std::string> chunks;
  for (int32_t id : ids) {
    std::string s = d.push(id);
    CHECK(utf8_is_valid(s));
    if (!s.empty()) chunks.push_back(s);
    all += s;
  }
  all += d.flush();
  CHECK(all == "hello \xF0\x9F\x98\x80!");
  CHECK(std::find(chunks.begin(), chunks.end(), "\xF0\x9F\x98\x80") != chunks.end());
}
