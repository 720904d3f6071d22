// JSON building blocks on a GrammarBuilder, each shared rule made once: strings (free, of
// bounded length, or of characters from a class), numbers, literal alternatives, any JSON
// value, and inline whitespace.
//
// Where JSON sets no bound, one is set so that even a random model's output stays finite
// and parseable by every JSON reader: numbers have at most 16 integer digits, 16 fraction
// digits and a 2-digit exponent (so every value fits a double: some readers refuse more); whitespace between tokens is nothing, one space, or a
// newline and up to 16 spaces or tabs (enough for indented output).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "local_engine/grammar/codepoints.h"
#include "local_engine/grammar/grammar.h"

namespace switchyard::engine::grammar {

enum class EscapeSet {
  any,        // every JSON escape, \uXXXX with any 4 hex digits
  counted,    // one escape = one code point: \uXXXX never a surrogate half
  restricted  // only escapes of characters in the class: \" \\ \/ \b \f \n \r \t, \u00XX for controls
};

class JsonRules {
 public:
  static constexpr int kMaxIndent = 16;

  explicit JsonRules(GrammarBuilder& b) : b_(b) {}
  GrammarBuilder& builder() { return b_; }

  int32_t any_value();                                                  // rule
  int32_t string(size_t min_chars, std::optional<size_t> max_chars);    // rule
  int32_t number(bool integer);                                         // rule
  int32_t literals(const std::vector<std::string>& texts);              // rule: one of these byte strings
  int32_t any_object();                                                 // rule
  int32_t any_array();                                                  // rule
  int32_t object_of(int32_t value);  // rule: an object of any keys, every value matching `value`
  int32_t array_of(int32_t item, size_t min_items, std::optional<size_t> max_items);  // rule

  // Optional whitespace after `from`; returns the state after it.
  int32_t ws(int32_t from);
  // One character of a JSON string's content, from `from` to `to`: a code point of cls as
  // JSON writes it (raw UTF-8, or an escape from `escapes`).
  void json_char(int32_t from, int32_t to, const CodepointSet& cls, EscapeSet escapes);
  // Exactly one of texts from `from` to `to`, as a trie (one path per shared prefix).
  void add_trie(int32_t from, const std::vector<std::string>& texts, int32_t to);

 private:
  void add_sequence(int32_t from, const Utf8Sequence& seq, int32_t to);
  void add_hex_digit(int32_t from, int32_t to);
  void add_unicode_escape(int32_t from, int32_t to, EscapeSet escapes);  // after "\u"
  void fill_object(int32_t rule, int32_t value);
  void fill_array(int32_t rule, int32_t item, size_t min_items, std::optional<size_t> max_items);

  GrammarBuilder& b_;
  std::optional<int32_t> any_value_, any_object_, any_array_, number_, integer_;
  std::map<std::pair<size_t, std::optional<size_t>>, int32_t> strings_;
  std::map<std::pair<int32_t, std::string>, int32_t> suffix_state_;  // (to, encoded byte ranges) -> state before them
};

}  // namespace switchyard::engine::grammar
