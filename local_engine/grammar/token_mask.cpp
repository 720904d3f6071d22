#include "local_engine/grammar/token_mask.h"

#include <algorithm>
#include <chrono>
#include <numeric>

namespace switchyard::engine::grammar {

VocabIndex::VocabIndex(const Tokenizer& tokenizer) : n_vocab_(tokenizer.n_vocab()) {
  std::vector<std::string> pieces(static_cast<size_t>(n_vocab_));
  std::vector<int32_t> order;
  for (int32_t t = 0; t < n_vocab_; ++t) {
    pieces[static_cast<size_t>(t)] = tokenizer.token_to_piece(t);
    if (!pieces[static_cast<size_t>(t)].empty()) order.push_back(t);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return pieces[static_cast<size_t>(a)] < pieces[static_cast<size_t>(b)]; });
  slot_of_.assign(static_cast<size_t>(n_vocab_), -1);
  offset_.push_back(0);
  std::string_view prev;
  for (int32_t t : order) {
    const std::string& p = pieces[static_cast<size_t>(t)];
    uint32_t shared = 0;
    while (shared < prev.size() && shared < p.size() && prev[shared] == p[shared]) ++shared;
    slot_of_[static_cast<size_t>(t)] = static_cast<int32_t>(ids_.size());
    ids_.push_back(t);
    lcp_.push_back(shared);
    bytes_.insert(bytes_.end(), p.begin(), p.end());
    offset_.push_back(static_cast<uint32_t>(bytes_.size()));
    max_length_ = std::max(max_length_, p.size());
    prev = p;
  }
}

std::string_view VocabIndex::piece_of(int32_t token) const {
  if (token < 0 || token >= n_vocab_ || slot_of_[static_cast<size_t>(token)] < 0) return {};
  return piece(static_cast<size_t>(slot_of_[static_cast<size_t>(token)]));
}

size_t MaskCache::KeyHash::operator()(const Key& k) const {
  uint64_t h = static_cast<uint32_t>(k.state) * 0x9E3779B97F4A7C15ull;
  for (int32_t r : k.ret) h = (h ^ static_cast<uint32_t>(r)) * 0xBF58476D1CE4E5B9ull;
  h = (h ^ static_cast<uint32_t>(k.below)) * 0x94D049BB133111EBull;
  return static_cast<size_t>(h ^ (h >> 31));
}

MaskCache::MaskCache(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const VocabIndex> vocab, size_t max_bytes)
    : grammar_(std::move(grammar)), vocab_(std::move(vocab)), max_bytes_(max_bytes) {
  level_.resize(vocab_->max_length() + 1);
}

MaskCache::Key MaskCache::key_of(const Thread& t, const StackArena& arena) const {
  Key k;
  k.state = t.state;
  k.ret.fill(-1);
  int32_t at = t.stack;
  for (int i = 0; i < kContextFrames && at >= 0; ++i) {
    k.ret[static_cast<size_t>(i)] = arena[at].ret;
    at = arena[at].parent;
  }
  k.below = at >= 0 ? kStackUnknown : at;
  return k;
}

const MaskCache::Entry& MaskCache::entry(const Key& key) {
  if (auto it = entries_.find(key); it != entries_.end()) {
    ++stats_.hits;
    return it->second;
  }
  ++stats_.misses;
  Entry e = walk(key);
  const size_t bytes = e.allowed.words.size() * 8 + e.uncertain.size() * 4 + 64;
  if (bytes_ + bytes > max_bytes_) {  // bounded memory: start over rather than grow
    entries_.clear();
    bytes_ = 0;
  }
  bytes_ += bytes;
  return entries_.emplace(key, std::move(e)).first->second;
}

// One pass down the sorted vocabulary from the key's position: level_[d] holds the
// threads after the first d bytes of the current token; tokens sharing a prefix with the
// previous one start from its level.
MaskCache::Entry MaskCache::walk(const Key& key) {
  const auto t0 = std::chrono::steady_clock::now();
  const VocabIndex& v = *vocab_;
  arena_.clear();
  int32_t stack = key.below;
  for (int i = kContextFrames - 1; i >= 0; --i)
    if (key.ret[static_cast<size_t>(i)] >= 0) stack = arena_.push(key.ret[static_cast<size_t>(i)], stack);
  Stepper stepper(*grammar_, arena_);
  level_[0].clear();
  stepper.expand({key.state, stack}, level_[0]);
  std::vector<size_t> mark(level_.size(), arena_.size());
  std::vector<uint8_t> escaped_before(level_.size(), 0);  // some path escaped after fewer bytes

  Entry e;
  e.allowed.reset(v.n_vocab());
  size_t depth = 0;  // level_[0..depth] belong to the previous token's prefix
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string_view p = v.piece(i);
    size_t d = std::min<size_t>(v.shared_with_previous(i), depth);
    arena_.truncate(mark[d]);
    while (d < p.size() && !level_[d].threads.empty()) {
      stepper.step(level_[d].threads, static_cast<uint8_t>(p[d]), level_[d + 1]);
      escaped_before[d + 1] = escaped_before[d] | level_[d].escaped;
      mark[d + 1] = arena_.size();
      ++d;
    }
    depth = d;
    const Successors& at = level_[d];
    const bool whole = d == p.size();
    if (whole && (!at.threads.empty() || at.ended || at.escaped)) e.allowed.set(v.id(i));
    else if (escaped_before[d] || (!whole && at.escaped)) e.uncertain.push_back(v.id(i));
    if (whole) continue;
    // Dead after d bytes: every following token that shares them is decided the same way.
    const bool uncertain = escaped_before[d] || at.escaped;
    while (i + 1 < v.size() && v.shared_with_previous(i + 1) >= d) {
      ++i;
      if (uncertain) e.uncertain.push_back(v.id(i));
    }
  }
  stats_.walk_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return e;
}

void MaskCache::allowed(Matcher& matcher, TokenBits& out) {
  out.reset(vocab_->n_vocab());
  for (const Thread& t : matcher.threads()) {
    const Entry& e = entry(key_of(t, matcher.arena()));
    for (size_t w = 0; w < out.words.size(); ++w) out.words[w] |= e.allowed.words[w];
    for (int32_t u : e.uncertain) {
      if (out.test(u)) continue;
      ++stats_.uncertain_checked;
      if (matcher.allows(vocab_->piece_of(u))) out.set(u);
    }
  }
}

}  // namespace switchyard::engine::grammar
