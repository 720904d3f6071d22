#include "local_engine/grammar/regex.h"

#include "local_engine/utf8.h"

namespace switchyard::engine::grammar {

namespace {

constexpr int kUnbounded = -1;
constexpr int32_t kMaxPatternStates = 200000;  // after expanding counted repeats
constexpr int kMaxRepeat = 1000;
constexpr int kMaxNesting = 64;  // groups in groups: the parser and the builder recurse

struct Node {
  enum class Kind { chars, concat, alt, repeat } kind = Kind::chars;
  CodepointSet cls;        // chars
  std::vector<int> kids;   // concat, alt
  int child = -1;          // repeat
  int min = 0, max = 0;    // repeat; max kUnbounded
};

CodepointSet digits() { return CodepointSet::of('0', '9'); }
CodepointSet word() {
  CodepointSet s = CodepointSet::of('0', '9');
  s.add('A', 'Z');
  s.add('a', 'z');
  s.add('_', '_');
  return s;
}
CodepointSet space() {  // ECMA-262 WhiteSpace and LineTerminator
  CodepointSet s = CodepointSet::of(0x09, 0x0D);
  for (uint32_t cp : {0x20u, 0xA0u, 0x1680u, 0x2028u, 0x2029u, 0x202Fu, 0x205Fu, 0x3000u, 0xFEFFu}) s.add(cp, cp);
  s.add(0x2000, 0x200A);
  return s;
}
CodepointSet dot() {  // anything but a line terminator
  CodepointSet s;
  for (uint32_t cp : {0x0Au, 0x0Du, 0x2028u, 0x2029u}) s.add(cp, cp);
  return s.complement();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Parser {
 public:
  explicit Parser(std::string_view p) : p_(p) {}

  Result<int> parse() {
    auto root = alt();
    if (root && i_ < p_.size()) return fail("an unmatched ')'");
    return root;
  }
  std::vector<Node> nodes;

 private:
  Error err(const std::string& what) const {
    return Error{"pattern: " + what + " at offset " + std::to_string(i_) + " is not supported"};
  }
  std::unexpected<Error> fail(const std::string& what) const { return std::unexpected(err(what)); }
  bool at(char c) const { return i_ < p_.size() && p_[i_] == c; }
  int add(Node n) {
    nodes.push_back(std::move(n));
    return static_cast<int>(nodes.size()) - 1;
  }
  int chars(CodepointSet s) { return add(Node{Node::Kind::chars, std::move(s), {}, -1, 0, 0}); }

  Result<int> alt() {
    Node n{Node::Kind::alt};
    for (;;) {
      auto c = concat();
      if (!c) return c;
      n.kids.push_back(*c);
      if (!at('|')) break;
      ++i_;
    }
    return n.kids.size() == 1 ? n.kids[0] : add(std::move(n));
  }

  Result<int> concat() {
    Node n{Node::Kind::concat};
    while (i_ < p_.size() && !at('|') && !at(')')) {
      if (at('^') || at('$')) return fail("an anchor inside the pattern");
      auto r = repeat();
      if (!r) return r;
      n.kids.push_back(*r);
    }
    return add(std::move(n));
  }

  Result<int> repeat() {
    auto a = atom();
    if (!a) return a;
    int min = 1, max = 1;
    if (at('*')) min = 0, max = kUnbounded;
    else if (at('+')) min = 1, max = kUnbounded;
    else if (at('?')) min = 0, max = 1;
    else if (at('{')) {
      auto counted = counts(min, max);
      if (!counted) return std::unexpected(counted.error());
      if (!*counted) return a;  // not a count: the "{" is a literal, read as the next atom
    } else {
      return a;
    }
    ++i_;
    if (at('?')) ++i_;  // lazy: the same language
    if (max != kUnbounded && (max < min || max > kMaxRepeat)) return fail("a repeat count above " + std::to_string(kMaxRepeat));
    return add(Node{Node::Kind::repeat, {}, {}, *a, min, max});
  }

  // "{n}", "{n,}" or "{n,m}"; leaves i_ on the "}". False (nothing consumed) when the "{"
  // does not start a count.
  Result<bool> counts(int& min, int& max) {
    size_t j = i_ + 1;
    auto number = [&](int& out) {
      const size_t start = j;
      out = 0;
      while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9' && out <= kMaxRepeat) out = out * 10 + (p_[j++] - '0');
      return j > start;
    };
    if (!number(min)) return false;
    max = min;
    if (j < p_.size() && p_[j] == ',') {
      ++j;
      if (!number(max)) max = kUnbounded;
    }
    if (j >= p_.size() || p_[j] != '}') return false;
    i_ = j;
    return true;
  }

  Result<int> atom() {
    if (i_ >= p_.size()) return fail("a missing operand");
    const char c = p_[i_];
    if (c == '(') return group();
    if (c == '[') return char_class();
    if (c == '*' || c == '+' || c == '?') return fail("a quantifier without an operand");
    if (c == '.') {
      ++i_;
      return chars(dot());
    }
    if (c == '\\') {
      ++i_;
      auto s = escape(false);
      if (!s) return std::unexpected(s.error());
      return chars(*s);
    }
    const uint32_t cp = literal();
    return chars(CodepointSet::of(cp, cp));
  }

  // One literal code point of the pattern text (UTF-8), consumed.
  uint32_t literal() {
    const std::string_view rest = p_.substr(i_);
    const size_t len = std::max<size_t>(1, utf8_valid_char_len(rest));
    uint32_t cp = static_cast<unsigned char>(rest[0]);
    if (len > 1) {
      cp &= 0x3F >> (len - 1);
      for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(rest[k]) & 0x3F);
    }
    i_ += len;
    return cp;
  }

  Result<int> group() {
    if (++depth_ > kMaxNesting) return fail("nesting deeper than " + std::to_string(kMaxNesting) + " groups");
    ++i_;
    if (at('?')) {
      if (p_.substr(i_, 2) == "?:") i_ += 2;
      else if (p_.substr(i_, 2) == "?<" && p_.substr(i_, 3) != "?<=" && p_.substr(i_, 3) != "?<!") {
        const size_t close = p_.find('>', i_);
        if (close == std::string_view::npos) return fail("an unterminated group name");
        i_ = close + 1;
      } else {
        return fail("a lookaround group");
      }
    }
    auto inner = alt();
    if (!inner) return inner;
    if (!at(')')) return fail("an unclosed '('");
    ++i_;
    --depth_;
    return inner;
  }

  Result<int> char_class() {
    ++i_;
    const bool negate = at('^');
    if (negate) ++i_;
    CodepointSet set;  // [] is empty and [^] is anything, as in ECMA-262
    while (i_ < p_.size() && !at(']')) {
      auto lo = class_atom();
      if (!lo) return std::unexpected(lo.error());
      if (at('-') && i_ + 1 < p_.size() && p_[i_ + 1] != ']' && lo->ranges().size() == 1 &&
          lo->ranges()[0].lo == lo->ranges()[0].hi) {
        ++i_;
        auto hi = class_atom();
        if (!hi) return std::unexpected(hi.error());
        if (hi->ranges().size() != 1 || hi->ranges()[0].lo != hi->ranges()[0].hi || hi->ranges()[0].lo < lo->ranges()[0].lo)
          return fail("a bad class range");
        set.add(lo->ranges()[0].lo, hi->ranges()[0].lo);
      } else {
        set.add(*lo);
      }
    }
    if (!at(']')) return fail("an unclosed '['");
    ++i_;
    return chars(negate ? set.complement() : set);
  }

  Result<CodepointSet> class_atom() {
    if (at('\\')) {
      ++i_;
      return escape(true);
    }
    const uint32_t cp = literal();
    return CodepointSet::of(cp, cp);
  }

  // After a backslash.
  Result<CodepointSet> escape(bool in_class) {
    if (i_ >= p_.size()) return fail("a trailing backslash");
    const char c = p_[i_++];
    auto one = [](uint32_t cp) { return CodepointSet::of(cp, cp); };
    switch (c) {
      case 'd': return digits();
      case 'D': return digits().complement();
      case 'w': return word();
      case 'W': return word().complement();
      case 's': return space();
      case 'S': return space().complement();
      case 't': return one('\t');
      case 'n': return one('\n');
      case 'r': return one('\r');
      case 'f': return one('\f');
      case 'v': return one('\v');
      case '0': return one(0);
      case 'b':
        if (in_class) return one('\b');
        return fail("a word boundary \\b");
      case 'x':
      case 'u': return hex_escape(c == 'x' ? 2 : 4);
      default: break;
    }
    if ((c >= '1' && c <= '9') || c == 'k') return fail("a backreference");
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return fail(std::string("the escape \\") + c);
    --i_;
    const uint32_t cp = literal();  // escaped punctuation (or any non-letter) stands for itself
    return one(cp);
  }

  Result<CodepointSet> hex_escape(int digits) {
    uint32_t cp = 0;
    for (int k = 0; k < digits; ++k) {
      const int h = i_ < p_.size() ? hex_value(p_[i_]) : -1;
      if (h < 0) return fail("a malformed hex escape");
      cp = cp * 16 + uint32_t(h);
      ++i_;
    }
    return CodepointSet::of(cp, cp);
  }

  std::string_view p_;
  size_t i_ = 0;
  int depth_ = 0;
};

// Thompson construction over the AST; every character class becomes JSON-encoded bytes.
class Builder {
 public:
  Builder(JsonRules& rules, const std::vector<Node>& nodes) : j_(rules), b_(rules.builder()), nodes_(nodes) {}

  Result<int32_t> build(int node, int32_t from) {
    if (b_.n_states() > limit_) return std::unexpected(Error{"pattern: too large once its repeats are expanded"});
    const Node& n = nodes_[static_cast<size_t>(node)];
    switch (n.kind) {
      case Node::Kind::chars: {
        const int32_t to = b_.add_state();
        j_.json_char(from, to, n.cls, EscapeSet::restricted);
        return to;
      }
      case Node::Kind::concat: {
        int32_t at = from;
        for (int k : n.kids) {
          auto next = build(k, at);
          if (!next) return next;
          at = *next;
        }
        return at;
      }
      case Node::Kind::alt: {
        const int32_t to = b_.add_state();
        for (int k : n.kids) {
          auto end = build(k, from);
          if (!end) return end;
          b_.add_eps(*end, to);
        }
        return to;
      }
      case Node::Kind::repeat: return repeat(n, from);
    }
    return from;
  }

 private:
  Result<int32_t> repeat(const Node& n, int32_t from) {
    int32_t at = from;
    for (int k = 0; k < n.min; ++k) {
      auto next = build(n.child, at);
      if (!next) return next;
      at = *next;
    }
    if (n.max == kUnbounded) {  // a loop state the child returns to
      const int32_t loop = b_.add_state();
      b_.add_eps(at, loop);
      auto end = build(n.child, loop);
      if (!end) return end;
      b_.add_eps(*end, loop);
      return loop;
    }
    const int32_t out = b_.add_state();
    b_.add_eps(at, out);
    for (int k = n.min; k < n.max; ++k) {
      auto next = build(n.child, at);
      if (!next) return next;
      at = *next;
      b_.add_eps(at, out);
    }
    return out;
  }

  JsonRules& j_;
  GrammarBuilder& b_;
  const std::vector<Node>& nodes_;
  const int32_t limit_ = b_.n_states() + kMaxPatternStates;
};

}  // namespace

Result<int32_t> compile_pattern(std::string_view pattern, JsonRules& rules) {
  const bool from_start = pattern.starts_with('^');
  const bool to_end = pattern.ends_with('$') && !pattern.ends_with("\\$") && pattern.size() > (from_start ? 1u : 0u);
  std::string_view body = pattern.substr(from_start ? 1 : 0);
  if (to_end) body.remove_suffix(1);
  Parser parser(body);
  auto root = parser.parse();
  if (!root) return std::unexpected(root.error());

  GrammarBuilder& b = rules.builder();
  const int32_t rule = b.add_rule("pattern");
  const int32_t open = b.add_state();
  b.add_bytes(b.start_of(rule), '"', '"', open);
  // Unanchored ends match anything around the pattern, as JSON Schema's search does.
  auto anything = [&](int32_t at) {
    rules.json_char(at, at, CodepointSet::any(), EscapeSet::restricted);
    return at;
  };
  int32_t at = from_start ? open : anything(open);
  Builder builder(rules, parser.nodes);
  auto end = builder.build(*root, at);
  if (!end) return std::unexpected(end.error());
  at = *end;
  if (!to_end) {
    const int32_t tail = b.add_state();
    b.add_eps(at, tail);
    at = anything(tail);
  }
  const int32_t done = b.add_state();
  b.set_accepting(done);
  b.add_bytes(at, '"', '"', done);
  return rule;
}

}  // namespace switchyard::engine::grammar
