// Sets of Unicode code points (character classes) and their UTF-8 encodings as sequences
// of byte ranges, the form a byte-level automaton needs (the split RE2 and Rust's
// utf8-ranges use: one sequence per run of code points whose encodings differ only in
// independent byte ranges).
#pragma once

#include <cstdint>
#include <vector>

namespace switchyard::engine::grammar {

inline constexpr uint32_t kMaxCodepoint = 0x10FFFF;

struct CodepointRange {
  uint32_t lo = 0, hi = 0;  // inclusive
};

// Sorted, non-overlapping, non-adjacent ranges.
class CodepointSet {
 public:
  CodepointSet() = default;
  static CodepointSet of(uint32_t lo, uint32_t hi);
  static CodepointSet any() { return of(0, kMaxCodepoint); }

  void add(uint32_t lo, uint32_t hi);
  void add(const CodepointSet& other);
  CodepointSet complement() const;      // within [0, kMaxCodepoint]
  CodepointSet intersect(const CodepointSet& other) const;
  bool contains(uint32_t cp) const;
  bool empty() const { return ranges_.empty(); }
  const std::vector<CodepointRange>& ranges() const { return ranges_; }

 private:
  std::vector<CodepointRange> ranges_;
};

struct ByteRange {
  uint8_t lo = 0, hi = 0;
};
using Utf8Sequence = std::vector<ByteRange>;  // 1 to 4 byte ranges, one per encoded byte

// The UTF-8 encodings of the code points in [lo, hi]; surrogates (D800-DFFF), which UTF-8
// cannot encode, are left out.
std::vector<Utf8Sequence> utf8_sequences(uint32_t lo, uint32_t hi);

// cp as UTF-8 bytes (cp a valid scalar value).
std::vector<uint8_t> utf8_encode(uint32_t cp);

}  // namespace switchyard::engine::grammar
