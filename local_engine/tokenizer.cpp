#include "local_engine/tokenizer.h"

#include <algorithm>
#include <queue>

namespace switchyard::engine {

namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581 "▁"

std::string escape_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (char c : text) {
    if (c == ' ') out.append(kSpaceMarker);
    else out.push_back(c);
  }
  return out;
}

std::string unescape_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i, kSpaceMarker.size()) == kSpaceMarker) {
      out.push_back(' ');
      i += kSpaceMarker.size();
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

// "<0xAB>" -> 0xAB
std::optional<unsigned char> parse_byte_token(std::string_view t) {
  if (t.size() != 6 || t.substr(0, 3) != "<0x" || t[5] != '>') return std::nullopt;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const int hi = hex(t[3]), lo = hex(t[4]);
  if (hi < 0 || lo < 0) return std::nullopt;
  return static_cast<unsigned char>(hi * 16 + lo);
}

struct Symbol {
  int prev;
  int next;
  const char* text;
  size_t n;
};

struct Bigram {
  int left;
  int right;
  float score;
  size_t size;
};

// Highest score first; on equal scores the leftmost pair (llama.cpp's comparator).
struct BigramLess {
  bool operator()(const Bigram& l, const Bigram& r) const {
    return (l.score < r.score) || (l.score == r.score && l.left > r.left);
  }
};

}  // namespace

Result<Tokenizer> Tokenizer::create(VocabData vocab) {
  const size_t n = vocab.tokens.size();
  if (n == 0) return std::unexpected(Error{"tokenizer: empty vocabulary"});
  if (!vocab.scores.empty() && vocab.scores.size() != n)
    return std::unexpected(Error{"tokenizer: scores has " + std::to_string(vocab.scores.size()) +
                                 " entries, tokens " + std::to_string(n)});
  if (!vocab.token_types.empty() && vocab.token_types.size() != n)
    return std::unexpected(Error{"tokenizer: token_type has " + std::to_string(vocab.token_types.size()) +
                                 " entries, tokens " + std::to_string(n)});
  auto in_range = [n](int32_t id) { return id >= 0 && static_cast<size_t>(id) < n; };
  if (!in_range(vocab.unk_id)) return std::unexpected(Error{"tokenizer: unknown token id out of range"});
  if (!in_range(vocab.bos_id)) return std::unexpected(Error{"tokenizer: BOS id out of range"});
  if (!in_range(vocab.eos_id)) return std::unexpected(Error{"tokenizer: EOS id out of range"});
  if (vocab.scores.empty()) vocab.scores.assign(n, 0.0f);

  Tokenizer t;
  t.types_.resize(n, TokenType::normal);
  for (size_t i = 0; i < vocab.token_types.size(); ++i) {
    const int32_t v = vocab.token_types[i];
    t.types_[i] = (v >= 0 && v <= 6) ? static_cast<TokenType>(v) : TokenType::undefined;
  }
  t.pieces_.resize(n);
  t.token_to_id_.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    const std::string& text = vocab.tokens[i];
    t.token_to_id_[text] = static_cast<int32_t>(i);  // later duplicates win, as llama.cpp
    switch (t.types_[i]) {
      case TokenType::normal: t.pieces_[i] = unescape_whitespace(text); break;
      case TokenType::user_defined: t.pieces_[i] = text; break;
      case TokenType::byte:
        if (auto b = parse_byte_token(text)) t.pieces_[i] = std::string(1, static_cast<char>(*b));
        break;
      default: break;  // control, unknown, unused, undefined: no text
    }
  }
  static constexpr char hex[] = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    const char buf[7] = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>', 0};
    auto it = t.token_to_id_.find(buf);
    if (it == t.token_to_id_.end()) it = t.token_to_id_.find(std::string(1, static_cast<char>(b)));
    t.byte_to_id_[b] = it != t.token_to_id_.end() ? it->second : vocab.unk_id;
  }
  for (size_t i = 0; i < n; ++i) {
    const TokenType ty = t.types_[i];
    if ((ty == TokenType::control || ty == TokenType::unknown || ty == TokenType::user_defined) &&
        !vocab.tokens[i].empty())
      t.special_by_length_.push_back(static_cast<int32_t>(i));
  }
  std::stable_sort(t.special_by_length_.begin(), t.special_by_length_.end(), [&](int32_t a, int32_t b) {
    return vocab.tokens[static_cast<size_t>(a)].size() > vocab.tokens[static_cast<size_t>(b)].size();
  });
  t.vocab_ = std::move(vocab);
  return t;
}

bool Tokenizer::is_control(int32_t id) const {
  if (id < 0 || id >= n_vocab()) return false;
  const TokenType ty = types_[static_cast<size_t>(id)];
  return ty == TokenType::control || ty == TokenType::unknown;
}

std::optional<int32_t> Tokenizer::find_token(std::string_view text) const {
  auto it = token_to_id_.find(std::string(text));
  if (it == token_to_id_.end()) return std::nullopt;
  return it->second;
}

void Tokenizer::tokenize_spm(std::string text, std::vector<int32_t>& out) const {
  // Split into UTF-8 characters. For valid UTF-8 this is llama.cpp's split; a byte that
  // starts no valid character becomes a symbol of its own (llama.cpp would swallow the
  // next 1-3 bytes by the lead-byte length, which breaks decode(encode(s)) == s).
  std::vector<Symbol> symbols;
  symbols.reserve(text.size());
  size_t offs = 0;
  int index = 0;
  while (offs < text.size()) {
    const size_t len = std::max<size_t>(1, utf8_valid_char_len(std::string_view(text).substr(offs)));
    Symbol sym{index - 1, offs + len == text.size() ? -1 : index + 1, text.data() + offs, len};
    offs += len;
    ++index;
    symbols.push_back(sym);
  }

  std::priority_queue<Bigram, std::vector<Bigram>, BigramLess> queue;
  std::unordered_map<std::string, std::pair<int, int>> rev_merge;
  std::string key;
  auto try_add_bigram = [&](int left, int right) {
    if (left == -1 || right == -1) return;
    key.assign(symbols[static_cast<size_t>(left)].text,
               symbols[static_cast<size_t>(left)].n + symbols[static_cast<size_t>(right)].n);
    auto it = token_to_id_.find(key);
    if (it == token_to_id_.end()) return;
    queue.push(Bigram{left, right, vocab_.scores[static_cast<size_t>(it->second)], key.size()});
    rev_merge[key] = {left, right};
  };

  for (int i = 1; i < static_cast<int>(symbols.size()); ++i) try_add_bigram(i - 1, i);

  while (!queue.empty()) {
    const Bigram bigram = queue.top();
    queue.pop();
    Symbol& left = symbols[static_cast<size_t>(bigram.left)];
    Symbol& right = symbols[static_cast<size_t>(bigram.right)];
    // Stale entry: one side was merged away since the pair was queued.
    if (left.n == 0 || right.n == 0 || left.n + right.n != bigram.size) continue;
    left.n += right.n;
    right.n = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = bigram.left;
    try_add_bigram(left.prev, bigram.left);
    try_add_bigram(bigram.left, left.next);
  }

  // Symbols that are no token are split back along their merges, then into bytes.
  auto resegment = [&](auto& self, const Symbol& sym) -> void {
    const std::string s(sym.text, sym.n);
    if (auto it = token_to_id_.find(s); it != token_to_id_.end()) {
      out.push_back(it->second);
      return;
    }
    auto p = rev_merge.find(s);
    if (p == rev_merge.end()) {
      for (size_t j = 0; j < sym.n; ++j) out.push_back(byte_to_token(static_cast<unsigned char>(sym.text[j])));
      return;
    }
    const auto [l, r] = p->second;
    self(self, symbols[static_cast<size_t>(l)]);
    self(self, symbols[static_cast<size_t>(r)]);
  };
  if (symbols.empty()) return;
  for (int i = 0; i != -1; i = symbols[static_cast<size_t>(i)].next) resegment(resegment, symbols[static_cast<size_t>(i)]);
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  // Partition the text on special-token strings: each token, longest first, splits every
  // remaining text fragment at all its occurrences (llama.cpp tokenizer_st_partition).
  std::vector<Segment> fragments{Segment::of_text(std::string(text))};
  for (int32_t id : special_by_length_) {
    const TokenType ty = types_[static_cast<size_t>(id)];
    if (!options.parse_special && ty != TokenType::user_defined) continue;
    const std::string& needle = vocab_.tokens[static_cast<size_t>(id)];
    std::vector<Segment> next;
    next.reserve(fragments.size());
    for (Segment& f : fragments) {
      if (f.is_token()) {
        next.push_back(std::move(f));
        continue;
      }
      size_t start = 0;
      for (;;) {
        const size_t hit = f.text.find(needle, start);
        if (hit == std::string::npos) break;
        if (hit > start) next.push_back(Segment::of_text(f.text.substr(start, hit - start)));
        next.push_back(Segment::of_token(id));
        start = hit + needle.size();
      }
      if (start < f.text.size()) next.push_back(Segment::of_text(f.text.substr(start)));
    }
    fragments = std::move(next);
  }
  return encode_segments(fragments, options.add_bos);
}

std::vector<int32_t> Tokenizer::encode_segments(std::span<const Segment> segments, bool add_bos) const {
  std::vector<int32_t> out;
  bool prev_special = true;  // the first text fragment gets the space prefix
  if (add_bos && vocab_.add_bos) out.push_back(vocab_.bos_id);
  size_t i = 0;
  while (i < segments.size()) {
    if (segments[i].is_token()) {
      out.push_back(segments[i].special_id);
      prev_special = true;
      ++i;
      continue;
    }
    std::string raw;
    while (i < segments.size() && !segments[i].is_token()) raw += segments[i++].text;
    if (raw.empty()) continue;  // llama.cpp never sees empty fragments
    std::string text = (vocab_.add_space_prefix && prev_special) ? " " + raw : std::move(raw);
    tokenize_spm(escape_whitespace(text), out);
    prev_special = false;
  }
  if (add_bos && vocab_.add_eos) out.push_back(vocab_.eos_id);
  return out;
}

std::string Tokenizer::token_to_piece(int32_t id, bool render_special) const {
  if (id < 0 || id >= n_vocab()) return {};
  const size_t i = static_cast<size_t>(id);
  if (render_special && (types_[i] == TokenType::control || types_[i] == TokenType::unknown))
    return vocab_.tokens[i];
  return pieces_[i];
}

std::string Tokenizer::decode(std::span<const int32_t> ids, const DecodeOptions& options) const {
  std::string out;
  bool strip = options.strip_leading_space && vocab_.add_space_prefix;
  for (int32_t id : ids) {
    std::string piece = token_to_piece(id, options.render_special);
    if (piece.empty()) continue;  // control tokens before the text do not consume the strip
    if (strip && piece[0] == ' ') piece.erase(0, 1);
    strip = false;
    out += piece;
  }
  return out;
}

std::string StreamingDetokenizer::push(int32_t id) {
  std::string piece = tokenizer_->token_to_piece(id);
  if (piece.empty()) return {};
  if (strip_ && tokenizer_->add_space_prefix() && piece[0] == ' ') piece.erase(0, 1);
  strip_ = false;
  return utf8_.push(piece);
}

}  // namespace switchyard::engine
