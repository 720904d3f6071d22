#include "local_engine/utf8.h"

namespace switchyard::engine {

size_t utf8_len_from_lead(unsigned char lead) {
  static constexpr size_t lookup[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return lookup[lead >> 4];
}

namespace {

bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

// Valid range of the second byte for a given lead (RFC 3629 table), or {0,0} if the lead
// byte can never start a multi-byte sequence.
struct Range { unsigned char lo, hi; };
Range second_byte_range(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return {0x80, 0xBF};
  if (lead == 0xE0) return {0xA0, 0xBF};
  if (lead >= 0xE1 && lead <= 0xEC) return {0x80, 0xBF};
  if (lead == 0xED) return {0x80, 0x9F};
  if (lead >= 0xEE && lead <= 0xEF) return {0x80, 0xBF};
  if (lead == 0xF0) return {0x90, 0xBF};
  if (lead >= 0xF1 && lead <= 0xF3) return {0x80, 0xBF};
  if (lead == 0xF4) return {0x80, 0x8F};
  return {0, 0};
}

size_t expected_len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// How many bytes of s (from its start) form a valid prefix of one character: returns
// the count of matching bytes (<= expected length).
size_t valid_prefix_len(std::string_view s, size_t* want) {
  const auto lead = static_cast<unsigned char>(s[0]);
  const size_t n = expected_len(lead);
  *want = n;
  if (n == 0) return 0;
  if (n == 1) return 1;
  size_t i = 1;
  if (i < s.size()) {
    const auto r = second_byte_range(lead);
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < r.lo || c > r.hi) return 1;
    ++i;
  }
  while (i < n && i < s.size() && is_cont(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

}  // namespace

size_t utf8_valid_char_len(std::string_view s) {
  if (s.empty()) return 0;
  size_t want = 0;
  const size_t got = valid_prefix_len(s, &want);
  return (want != 0 && got == want) ? want : 0;
}

bool utf8_is_valid(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const size_t n = utf8_valid_char_len(s.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

size_t utf8_incomplete_tail(std::string_view s) {
  // Look back at most 3 bytes for a lead byte whose sequence runs past the end.
  for (size_t back = 1; back <= 3 && back <= s.size(); ++back) {
    const size_t start = s.size() - back;
    const auto c = static_cast<unsigned char>(s[start]);
    if (is_cont(c)) continue;
    size_t want = 0;
    const size_t got = valid_prefix_len(s.substr(start), &want);
    return (want > back && got == back) ? back : 0;
  }
  return 0;
}

std::string utf8_sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const size_t n = utf8_valid_char_len(s.substr(i));
    if (n > 0) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    // Replace the maximal valid-prefix subpart (at least one byte) with one U+FFFD.
    size_t want = 0;
    const size_t got = valid_prefix_len(s.substr(i), &want);
    out.append("\xEF\xBF\xBD");
    i += got > 0 ? got : 1;
  }
  return out;
}

std::string Utf8Stream::push(std::string_view bytes) {
  pending_.append(bytes);
  const size_t hold = utf8_incomplete_tail(pending_);
  std::string out = utf8_sanitize(std::string_view(pending_).substr(0, pending_.size() - hold));
  pending_.erase(0, pending_.size() - hold);
  return out;
}

std::string Utf8Stream::flush() {
  std::string out = utf8_sanitize(pending_);
  pending_.clear();
  return out;
}

}  // namespace switchyard::engine
