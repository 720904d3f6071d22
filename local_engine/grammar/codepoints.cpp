#include "local_engine/grammar/codepoints.h"

#include <algorithm>

namespace switchyard::engine::grammar {

CodepointSet CodepointSet::of(uint32_t lo, uint32_t hi) {
  CodepointSet s;
  s.add(lo, hi);
  return s;
}

void CodepointSet::add(uint32_t lo, uint32_t hi) {
  if (lo > hi) return;
  ranges_.push_back({lo, std::min(hi, kMaxCodepoint)});
  std::sort(ranges_.begin(), ranges_.end(), [](const CodepointRange& a, const CodepointRange& b) { return a.lo < b.lo; });
  std::vector<CodepointRange> merged;
  for (const CodepointRange& r : ranges_) {
    if (!merged.empty() && r.lo <= merged.back().hi + 1) merged.back().hi = std::max(merged.back().hi, r.hi);
    else merged.push_back(r);
  }
  ranges_ = std::move(merged);
}

void CodepointSet::add(const CodepointSet& other) {
  for (const CodepointRange& r : other.ranges_) add(r.lo, r.hi);
}

CodepointSet CodepointSet::complement() const {
  CodepointSet out;
  uint32_t next = 0;
  for (const CodepointRange& r : ranges_) {
    if (r.lo > next) out.ranges_.push_back({next, r.lo - 1});
    next = r.hi + 1;
  }
  if (next <= kMaxCodepoint) out.ranges_.push_back({next, kMaxCodepoint});
  return out;
}

CodepointSet CodepointSet::intersect(const CodepointSet& other) const {
  CodepointSet out;
  for (const CodepointRange& a : ranges_)
    for (const CodepointRange& b : other.ranges_)
      if (std::max(a.lo, b.lo) <= std::min(a.hi, b.hi)) out.ranges_.push_back({std::max(a.lo, b.lo), std::min(a.hi, b.hi)});
  return out;  // pairs of sorted disjoint lists intersect into a sorted disjoint list
}

bool CodepointSet::contains(uint32_t cp) const {
  return std::any_of(ranges_.begin(), ranges_.end(), [&](const CodepointRange& r) { return r.lo <= cp && cp <= r.hi; });
}

std::vector<uint8_t> utf8_encode(uint32_t cp) {
  if (cp < 0x80) return {uint8_t(cp)};
  if (cp < 0x800) return {uint8_t(0xC0 | (cp >> 6)), uint8_t(0x80 | (cp & 0x3F))};
  if (cp < 0x10000) return {uint8_t(0xE0 | (cp >> 12)), uint8_t(0x80 | ((cp >> 6) & 0x3F)), uint8_t(0x80 | (cp & 0x3F))};
  return {uint8_t(0xF0 | (cp >> 18)), uint8_t(0x80 | ((cp >> 12) & 0x3F)), uint8_t(0x80 | ((cp >> 6) & 0x3F)),
          uint8_t(0x80 | (cp & 0x3F))};
}

namespace {

void split(uint32_t lo, uint32_t hi, std::vector<Utf8Sequence>& out) {
  if (lo > hi) return;
  if (lo <= 0xDFFF && hi >= 0xD800) {  // no surrogates in UTF-8
    if (lo < 0xD800) split(lo, 0xD7FF, out);
    if (hi > 0xDFFF) split(0xE000, hi, out);
    return;
  }
  for (uint32_t max : {0x7Fu, 0x7FFu, 0xFFFFu})  // one encoded length per run
    if (lo <= max && hi > max) {
      split(lo, max, out);
      split(max + 1, hi, out);
      return;
    }
  if (hi < 0x80) {
    out.push_back({{uint8_t(lo), uint8_t(hi)}});
    return;
  }
  // Split until every byte position ranges independently: the trailing 6*i bits of lo
  // must be all 0 and those of hi all 1 wherever the leading bits differ.
  for (uint32_t i = 1; i < 4; ++i) {
    const uint32_t m = (1u << (6 * i)) - 1;
    if ((lo & ~m) == (hi & ~m)) continue;
    if ((lo & m) != 0) {
      split(lo, lo | m, out);
      split((lo | m) + 1, hi, out);
      return;
    }
    if ((hi & m) != m) {
      split(lo, (hi & ~m) - 1, out);
      split(hi & ~m, hi, out);
      return;
    }
  }
  const std::vector<uint8_t> a = utf8_encode(lo), b = utf8_encode(hi);
  Utf8Sequence seq;
  for (size_t k = 0; k < a.size(); ++k) seq.push_back({a[k], b[k]});
  out.push_back(std::move(seq));
}

}  // namespace

std::vector<Utf8Sequence> utf8_sequences(uint32_t lo, uint32_t hi) {
  std::vector<Utf8Sequence> out;
  split(lo, std::min(hi, kMaxCodepoint), out);
  return out;
}

}  // namespace switchyard::engine::grammar
