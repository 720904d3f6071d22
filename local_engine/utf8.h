// UTF-8 helpers for the tokenizer and the streaming detokenizer. Token pieces are raw
// bytes (byte-fallback tokens carry single bytes of a multi-byte character), so text
// handed to callers is cut only at character boundaries.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace switchyard::engine {

// Length of the sequence a lead byte announces, as llama.cpp's unicode_len_utf8 does
// (continuation and invalid bytes count as 1; 0xF8..0xFF count as 4).
size_t utf8_len_from_lead(unsigned char lead);

// Length of the valid UTF-8 character at s[0], or 0 if s does not start with one.
// A truncated but so-far valid prefix also returns 0 (see utf8_incomplete_tail).
size_t utf8_valid_char_len(std::string_view s);

bool utf8_is_valid(std::string_view s);

// Number of bytes at the end of s that are a valid but incomplete character prefix
// (0..3): the bytes a stream must hold back until the next chunk arrives.
size_t utf8_incomplete_tail(std::string_view s);

// Invalid bytes replaced by U+FFFD (one per maximal invalid subpart, roughly).
std::string utf8_sanitize(std::string_view s);

// Byte-in, text-out: push() returns the longest valid text that is complete so far,
// holding back a trailing incomplete character; invalid bytes become U+FFFD so the
// output is always valid UTF-8. flush() releases the rest at the end of the stream.
class Utf8Stream {
 public:
  std::string push(std::string_view bytes);
  std::string flush();
  size_t pending_bytes() const { return pending_.size(); }

 private:
  std::string pending_;
};

}  // namespace switchyard::engine
