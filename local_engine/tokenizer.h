// SentencePiece-style tokenizer (GGUF tokenizer.ggml.model = "llama"), written to give
// exactly llama.cpp's `llm_tokenizer_spm` ids: spaces become U+2581, a "▁" is prepended
// to every text fragment that starts the prompt or follows a special token (when
// add_space_prefix), the text is split into UTF-8 characters (invalid bytes alone)
// and the adjacent pair whose concatenation is a vocab token with the highest score is
// merged, leftmost first on ties, until no pair merges; symbols that are no token fall
// back to "<0xXX>" byte tokens.
//
// Special tokens: encode(text, {.parse_special = true}) splits the text on control-token
// strings as llama.cpp does with parse_special. Chat prompts are NOT built that way:
// templates render a list of Segments (text, or a special token id) so that "</s>" typed
// by a user stays text and can never end or forge a turn (see chat_template.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "local_engine/status.h"
#include "local_engine/utf8.h"

namespace switchyard::engine {

// GGUF tokenizer.ggml.token_type values (llama.cpp's llama_token_type).
enum class TokenType : int32_t {
  undefined = 0,
  normal = 1,
  unknown = 2,
  control = 3,
  user_defined = 4,
  unused = 5,
  byte = 6,
};

// What a GGUF file says about its vocabulary (tokenizer.ggml.*).
struct VocabData {
  std::vector<std::string> tokens;   // [n_vocab] token text, "▁" for spaces
  std::vector<float> scores;         // [n_vocab] merge priority; empty = all 0
  std::vector<int32_t> token_types;  // [n_vocab] TokenType; empty = all normal
  int32_t bos_id = 1;
  int32_t eos_id = 2;
  int32_t unk_id = 0;
  bool add_bos = true;
  bool add_eos = false;
  bool add_space_prefix = true;
};

// One piece of a prompt: plain text (tokenized) or one special token (id >= 0, taken
// verbatim). Adjacent text segments are tokenized as one string.
struct Segment {
  std::string text;
  int32_t special_id = -1;

  static Segment of_text(std::string t) { return Segment{std::move(t), -1}; }
  static Segment of_token(int32_t id) { return Segment{{}, id}; }
  bool is_token() const { return special_id >= 0; }
};

struct EncodeOptions {
  bool add_bos = true;         // BOS (and EOS) as the vocab's add_bos/add_eos say
  bool parse_special = false;  // split on control-token strings ("</s>") in the text
};

struct DecodeOptions {
  bool strip_leading_space = true;  // drop the " " that add_space_prefix put in front
  bool render_special = false;      // control tokens as their text instead of ""
};

class Tokenizer {
 public:
  static Result<Tokenizer> create(VocabData vocab);

  std::vector<int32_t> encode(std::string_view text, const EncodeOptions& options = {}) const;
  std::vector<int32_t> encode_segments(std::span<const Segment> segments, bool add_bos = true) const;

  // The bytes a token stands for ("▁" as " ", byte tokens as the raw byte, control
  // tokens as "" unless render_special). Not necessarily valid UTF-8 on its own.
  std::string token_to_piece(int32_t id, bool render_special = false) const;
  std::string decode(std::span<const int32_t> ids, const DecodeOptions& options = {}) const;

  int32_t n_vocab() const { return static_cast<int32_t>(vocab_.tokens.size()); }
  int32_t bos_id() const { return vocab_.bos_id; }
  int32_t eos_id() const { return vocab_.eos_id; }
  int32_t unk_id() const { return vocab_.unk_id; }
  bool add_bos() const { return vocab_.add_bos; }
  bool add_space_prefix() const { return vocab_.add_space_prefix; }
  const std::string& token_text(int32_t id) const { return vocab_.tokens[static_cast<size_t>(id)]; }
  TokenType token_type(int32_t id) const { return types_[static_cast<size_t>(id)]; }
  bool is_control(int32_t id) const;
  std::optional<int32_t> find_token(std::string_view text) const;
  const VocabData& vocab() const { return vocab_; }

 private:
  void tokenize_spm(std::string text, std::vector<int32_t>& out) const;  // text already escaped
  int32_t byte_to_token(unsigned char byte) const { return byte_to_id_[byte]; }

  VocabData vocab_;
  std::vector<TokenType> types_;       // [n_vocab]
  std::vector<std::string> pieces_;    // [n_vocab] decoded bytes (control: "")
  std::unordered_map<std::string, int32_t> token_to_id_;
  int32_t byte_to_id_[256] = {};
  // Tokens split out of text before SPM: control/unknown (only with parse_special) and
  // user-defined (always), longest first, as llama.cpp's tokenizer_st_partition.
  std::vector<int32_t> special_by_length_;
};

// Turns generated token ids into text deltas that never split a UTF-8 character.
// The first piece's leading space is dropped when strip_leading_space (the "▁" SPM
// puts before a word at the start of a text). Control tokens produce no text.
class StreamingDetokenizer {
 public:
  StreamingDetokenizer(const Tokenizer& tokenizer, bool strip_leading_space)
      : tokenizer_(&tokenizer), strip_(strip_leading_space) {}
  std::string push(int32_t id);
  std::string flush() { return utf8_.flush(); }

 private:
  const Tokenizer* tokenizer_;
  bool strip_;
  Utf8Stream utf8_;
};

}  // namespace switchyard::engine
