#include "local_engine/grammar/json_grammar.h"

#include <algorithm>

namespace switchyard::engine::grammar {

namespace {

// Characters JSON writes raw inside a string: everything but ", \ and controls.
const CodepointSet& raw_string_chars() {
  static const CodepointSet s = [] {
    CodepointSet c;
    c.add(0x20, 0x21);
    c.add(0x23, 0x5B);
    c.add(0x5D, kMaxCodepoint);
    return c;
  }();
  return s;
}

struct ShortEscape {
  uint32_t cp;
  char letter;
};
constexpr ShortEscape kShortEscapes[] = {{'"', '"'}, {'\\', '\\'}, {'/', '/'}, {0x08, 'b'},
                                         {0x0C, 'f'}, {0x0A, 'n'}, {0x0D, 'r'}, {0x09, 't'}};

}  // namespace

int32_t JsonRules::ws(int32_t from) {
  const int32_t after = b_.add_state();
  b_.add_eps(from, after);
  b_.add_bytes(from, ' ', ' ', after);
  int32_t line = b_.add_state();
  b_.add_bytes(from, '\n', '\n', line);
  b_.add_eps(line, after);
  for (int k = 0; k < kMaxIndent; ++k) {
    const int32_t next = b_.add_state();
    b_.add_bytes(line, ' ', ' ', next);
    b_.add_bytes(line, '\t', '\t', next);
    b_.add_eps(next, after);
    line = next;
  }
  return after;
}

// Byte-range sequences end in shared states: every 2-byte character's last byte leaves
// from one state, and so on, so a class costs a few states, not one per sequence.
void JsonRules::add_sequence(int32_t from, const Utf8Sequence& seq, int32_t to) {
  int32_t next = to;
  std::string suffix;
  for (size_t k = seq.size(); k-- > 1;) {
    suffix.insert(suffix.begin(), {char(seq[k].lo), char(seq[k].hi)});
    auto [it, fresh] = suffix_state_.try_emplace({to, suffix}, 0);
    if (fresh) {
      it->second = b_.add_state();
      b_.add_bytes(it->second, seq[k].lo, seq[k].hi, next);
    }
    next = it->second;
  }
  b_.add_bytes(from, seq[0].lo, seq[0].hi, next);
}

void JsonRules::add_hex_digit(int32_t from, int32_t to) {
  b_.add_bytes(from, '0', '9', to);
  b_.add_bytes(from, 'a', 'f', to);
  b_.add_bytes(from, 'A', 'F', to);
}

// The 4 hex digits after "\u". Counted strings keep out surrogate halves (D800-DFFF), so
// one escape is always one code point.
void JsonRules::add_unicode_escape(int32_t from, int32_t to, EscapeSet escapes) {
  const int32_t h2 = b_.add_state(), h3 = b_.add_state(), h4 = b_.add_state();
  add_hex_digit(h3, h4);
  add_hex_digit(h4, to);
  if (escapes == EscapeSet::any) {
    const int32_t h1 = b_.add_state();
    b_.add_eps(from, h1);
    add_hex_digit(h1, h2);
    add_hex_digit(h2, h3);
    return;
  }
  b_.add_bytes(from, '0', '9', h2);
  b_.add_bytes(from, 'a', 'c', h2);
  b_.add_bytes(from, 'A', 'C', h2);
  b_.add_bytes(from, 'e', 'f', h2);
  b_.add_bytes(from, 'E', 'F', h2);
  add_hex_digit(h2, h3);
  const int32_t d = b_.add_state();
  b_.add_bytes(from, 'd', 'd', d);
  b_.add_bytes(from, 'D', 'D', d);
  b_.add_bytes(d, '0', '7', h3);
}

void JsonRules::json_char(int32_t from, int32_t to, const CodepointSet& cls, EscapeSet escapes) {
  const CodepointSet raw = cls.intersect(raw_string_chars());
  for (const CodepointRange& r : raw.ranges())
    for (const Utf8Sequence& seq : utf8_sequences(r.lo, r.hi)) add_sequence(from, seq, to);
  const int32_t backslash = b_.add_state();
  b_.add_bytes(from, '\\', '\\', backslash);
  for (const ShortEscape& e : kShortEscapes)
    if (escapes != EscapeSet::restricted || cls.contains(e.cp)) b_.add_bytes(backslash, e.letter, e.letter, to);
  const int32_t u = b_.add_state();
  b_.add_bytes(backslash, 'u', 'u', u);
  if (escapes != EscapeSet::restricted) {
    add_unicode_escape(u, to, escapes);
    return;
  }
  static constexpr char hex[] = "0123456789abcdef";
  for (uint32_t c = 0; c < 0x20; ++c)  // control characters as \u00XX
    if (cls.contains(c)) {
      const int32_t at = b_.add_literal(u, std::string("00") + hex[c >> 4]);
      b_.add_bytes(at, uint8_t(hex[c & 15]), uint8_t(hex[c & 15]), to);
      if (hex[c & 15] >= 'a') b_.add_bytes(at, uint8_t(hex[c & 15] - 'a' + 'A'), uint8_t(hex[c & 15] - 'a' + 'A'), to);
    }
}

int32_t JsonRules::string(size_t min_chars, std::optional<size_t> max_chars) {
  const auto key = std::make_pair(min_chars, max_chars);
  if (auto it = strings_.find(key); it != strings_.end()) return it->second;
  const int32_t rule = b_.add_rule("string");
  const int32_t end = b_.add_state();
  b_.set_accepting(end);
  int32_t at = b_.add_state();
  b_.add_bytes(b_.start_of(rule), '"', '"', at);
  const bool counted = min_chars > 0 || max_chars.has_value();
  const EscapeSet escapes = counted ? EscapeSet::counted : EscapeSet::any;
  // State k: k characters so far. Past the minimum, an unbounded string loops.
  const size_t states = max_chars ? *max_chars : min_chars;
  for (size_t k = 0; k <= states; ++k) {
    if (k >= min_chars) b_.add_bytes(at, '"', '"', end);
    if (k == states) {
      if (!max_chars) json_char(at, at, CodepointSet::any(), escapes);
      break;
    }
    const int32_t next = b_.add_state();
    json_char(at, next, CodepointSet::any(), escapes);
    at = next;
  }
  strings_[key] = rule;
  return rule;
}

int32_t JsonRules::number(bool integer) {
  std::optional<int32_t>& memo = integer ? integer_ : number_;
  if (memo) return *memo;
  const int32_t rule = b_.add_rule(integer ? "integer" : "number");
  const int32_t start = b_.start_of(rule), signed_ = b_.add_state(), int_done = b_.add_state();
  b_.add_bytes(start, '-', '-', signed_);
  b_.add_eps(start, signed_);
  b_.add_bytes(signed_, '0', '0', int_done);
  int32_t digits = b_.add_state();
  b_.add_bytes(signed_, '1', '9', digits);
  for (int k = 1; k < 16; ++k) {  // [1-9][0-9]{0,15}
    b_.add_eps(digits, int_done);
    const int32_t next = b_.add_state();
    b_.add_bytes(digits, '0', '9', next);
    digits = next;
  }
  b_.add_eps(digits, int_done);
  b_.set_accepting(int_done);
  if (!integer) {
    const int32_t exp = b_.add_state();  // after [eE]
    b_.add_bytes(int_done, 'e', 'e', exp);
    b_.add_bytes(int_done, 'E', 'E', exp);
    int32_t frac = b_.add_state();
    b_.add_bytes(int_done, '.', '.', frac);
    for (int k = 0; k < 16; ++k) {  // .[0-9]{1,16}
      const int32_t next = b_.add_state();
      b_.add_bytes(frac, '0', '9', next);
      b_.set_accepting(next);
      b_.add_bytes(next, 'e', 'e', exp);
      b_.add_bytes(next, 'E', 'E', exp);
      frac = next;
    }
    const int32_t exp_signed = b_.add_state();
    b_.add_bytes(exp, '+', '+', exp_signed);
    b_.add_bytes(exp, '-', '-', exp_signed);
    b_.add_eps(exp, exp_signed);
    int32_t e = exp_signed;
    for (int k = 0; k < 2; ++k) {  // [0-9]{1,2}: every reader can hold the value in a double
      const int32_t next = b_.add_state();
      b_.add_bytes(e, '0', '9', next);
      b_.set_accepting(next);
      e = next;
    }
  }
  memo = rule;
  return rule;
}

void JsonRules::add_trie(int32_t from, const std::vector<std::string>& texts, int32_t to) {
  std::map<std::pair<int32_t, uint8_t>, int32_t> child;
  for (const std::string& t : texts) {
    if (t.empty()) {
      b_.add_eps(from, to);
      continue;
    }
    int32_t at = from;
    for (size_t i = 0; i + 1 < t.size(); ++i) {
      auto [it, fresh] = child.try_emplace({at, uint8_t(t[i])}, 0);
      if (fresh) {
        it->second = b_.add_state();
        b_.add_bytes(at, uint8_t(t[i]), uint8_t(t[i]), it->second);
      }
      at = it->second;
    }
    b_.add_bytes(at, uint8_t(t.back()), uint8_t(t.back()), to);
  }
}

int32_t JsonRules::literals(const std::vector<std::string>& texts) {
  const int32_t rule = b_.add_rule("literal");
  const int32_t end = b_.add_state();
  b_.set_accepting(end);
  add_trie(b_.start_of(rule), texts, end);
  return rule;
}

int32_t JsonRules::any_value() {
  if (any_value_) return *any_value_;
  const int32_t rule = b_.add_rule("value");
  any_value_ = rule;  // before the parts: objects and arrays hold values
  const int32_t start = b_.start_of(rule), end = b_.add_state();
  b_.set_accepting(end);
  b_.add_call(start, any_object(), end);
  b_.add_call(start, any_array(), end);
  b_.add_call(start, string(0, std::nullopt), end);
  b_.add_call(start, number(false), end);
  add_trie(start, {"true", "false", "null"}, end);
  return rule;
}

int32_t JsonRules::any_object() {
  if (any_object_) return *any_object_;
  any_object_ = b_.add_rule("object");  // before its values: they may be objects
  fill_object(*any_object_, any_value());
  return *any_object_;
}

int32_t JsonRules::any_array() {
  if (any_array_) return *any_array_;
  any_array_ = b_.add_rule("array");
  fill_array(*any_array_, any_value(), 0, std::nullopt);
  return *any_array_;
}

int32_t JsonRules::object_of(int32_t value) {
  const int32_t rule = b_.add_rule("object");
  fill_object(rule, value);
  return rule;
}

int32_t JsonRules::array_of(int32_t item, size_t min, std::optional<size_t> max) {
  const int32_t rule = b_.add_rule("array");
  fill_array(rule, item, min, max);
  return rule;
}

// "{" ws ( "}" | member ( ws "," ws member )* ws "}" ), member = string ws ":" ws value
void JsonRules::fill_object(int32_t rule, int32_t value) {
  const int32_t end = b_.add_state(), open = b_.add_state();
  b_.set_accepting(end);
  b_.add_bytes(b_.start_of(rule), '{', '{', open);
  const int32_t first = ws(open);
  b_.add_bytes(first, '}', '}', end);
  const int32_t key = b_.add_state(), colon = b_.add_state(), value_done = b_.add_state(), comma = b_.add_state();
  b_.add_call(first, string(0, std::nullopt), key);
  b_.add_bytes(ws(key), ':', ':', colon);
  b_.add_call(ws(colon), value, value_done);
  const int32_t after = ws(value_done);
  b_.add_bytes(after, '}', '}', end);
  b_.add_bytes(after, ',', ',', comma);
  b_.add_call(ws(comma), string(0, std::nullopt), key);
}

// "[" ws ( "]" | item ( ws "," ws item ){min-1, max-1} ws "]" ), state k = k items so far.
void JsonRules::fill_array(int32_t rule, int32_t item, size_t min, std::optional<size_t> max) {
  const int32_t end = b_.add_state(), open = b_.add_state();
  b_.set_accepting(end);
  b_.add_bytes(b_.start_of(rule), '[', '[', open);
  const int32_t first = ws(open);
  if (min == 0) b_.add_bytes(first, ']', ']', end);
  if (max && *max == 0) return;
  int32_t done = b_.add_state();  // after item 1
  b_.add_call(first, item, done);
  const size_t last = max ? *max : std::max<size_t>(min, 1);
  for (size_t k = 1; k <= last; ++k) {
    const int32_t after = ws(done);
    if (k >= min) b_.add_bytes(after, ']', ']', end);
    if (max && k == *max) break;
    const int32_t comma = b_.add_state();
    b_.add_bytes(after, ',', ',', comma);
    const bool loop = !max && k == last;  // unbounded: past the minimum, items loop
    const int32_t next = loop ? done : b_.add_state();
    b_.add_call(ws(comma), item, next);
    if (loop) break;
    done = next;
  }
}

}  // namespace switchyard::engine::grammar
