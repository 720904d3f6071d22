#include "local_engine/prefix_cache.h"

#include <algorithm>

namespace switchyard::engine {

PrefixCache::PrefixCache(int32_t block_tokens, int32_t pool_positions) : block_tokens_(std::max(1, block_tokens)) {
  const int32_t n_blocks = std::max(0, pool_positions) / block_tokens_;
  blocks_.resize(static_cast<size_t>(n_blocks));
  for (int32_t id = n_blocks - 1; id >= 0; --id) free_.push_back(id);
}

uint64_t PrefixCache::key_of(int32_t parent, std::span<const int32_t> tokens) const {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(static_cast<uint32_t>(parent));
  for (int32_t t : tokens) {  // splitmix-style mixing per token
    h ^= static_cast<uint64_t>(static_cast<uint32_t>(t)) + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
  }
  return h ^ (h >> 31);
}

int32_t PrefixCache::find(int32_t parent, std::span<const int32_t> tokens) const {
  auto it = by_key_.find(key_of(parent, tokens));
  if (it == by_key_.end()) return kNone;
  const Block& b = blocks_[static_cast<size_t>(it->second)];
  // The key is a hash: check what it stands for.
  if (b.parent != parent || !std::equal(tokens.begin(), tokens.end(), b.tokens.begin(), b.tokens.end())) return kNone;
  return it->second;
}

void PrefixCache::touch(int32_t id) {
  Block& b = blocks_[static_cast<size_t>(id)];
  if (b.children == 0) lru_leaves_.erase({b.last_used, id});
  b.last_used = ++clock_;
  if (b.children == 0) lru_leaves_.insert({b.last_used, id});
}

std::vector<int32_t> PrefixCache::lookup(std::span<const int32_t> tokens, size_t max_tokens) {
  ++stats_.lookups;
  std::vector<int32_t> found;
  const size_t B = static_cast<size_t>(block_tokens_);
  int32_t parent = kNone;
  for (size_t start = 0; start + B <= std::min(tokens.size(), max_tokens); start += B) {
    const int32_t id = find(parent, tokens.subspan(start, B));
    if (id == kNone) break;
    touch(id);
    found.push_back(id * block_tokens_);
    parent = id;
  }
  stats_.hit_blocks += static_cast<int64_t>(found.size());
  return found;
}

void PrefixCache::evict(int32_t id) {
  Block& b = blocks_[static_cast<size_t>(id)];
  lru_leaves_.erase({b.last_used, id});
  by_key_.erase(b.key);
  if (b.parent != kNone) {
    Block& p = blocks_[static_cast<size_t>(b.parent)];
    if (--p.children == 0) lru_leaves_.insert({p.last_used, b.parent});
  }
  b = Block{};
  free_.push_back(id);
  ++stats_.evicted_blocks;
}

int32_t PrefixCache::take_block(int32_t keep) {
  if (free_.empty()) {
    auto victim = std::find_if(lru_leaves_.begin(), lru_leaves_.end(), [&](const auto& e) { return e.second != keep; });
    if (victim == lru_leaves_.end()) return kNone;
    evict(victim->second);
  }
  const int32_t id = free_.back();
  free_.pop_back();
  return id;
}

std::vector<PrefixCache::Placement> PrefixCache::insert(std::span<const int32_t> tokens) {
  std::vector<Placement> placed;
  const size_t B = static_cast<size_t>(block_tokens_);
  int32_t parent = kNone;
  for (size_t start = 0; start + B <= tokens.size(); start += B) {
    const std::span<const int32_t> own = tokens.subspan(start, B);
    int32_t id = find(parent, own);
    if (id == kNone) {
      if (by_key_.contains(key_of(parent, own))) break;  // a hash collision: leave this chain uncached
      id = take_block(parent);
      if (id == kNone) break;
      Block& b = blocks_[static_cast<size_t>(id)];
      b.parent = parent;
      b.tokens.assign(own.begin(), own.end());
      b.key = key_of(parent, own);
      b.last_used = ++clock_;
      lru_leaves_.insert({b.last_used, id});
      by_key_[b.key] = id;
      if (parent != kNone && blocks_[static_cast<size_t>(parent)].children++ == 0)
        lru_leaves_.erase({blocks_[static_cast<size_t>(parent)].last_used, parent});
      placed.push_back({static_cast<int32_t>(start / B), id * block_tokens_});
      ++stats_.inserted_blocks;
    } else {
      touch(id);
    }
    parent = id;
  }
  return placed;
}

}  // namespace switchyard::engine
