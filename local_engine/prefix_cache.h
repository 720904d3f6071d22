// The prefix cache's index, by block hashing (as vLLM's automatic prefix caching): the KV
// of whole blocks of `block_tokens` tokens lives in a pool outside the sequence slots
// (BatchModel::reserve_pool), and a new prompt finds the longest run of blocks that starts
// it. A block is named by its parent block and its own tokens, so a hit on block k means
// the whole prefix [0, (k + 1) * block_tokens) is the same: same tokens, same positions,
// hence the same K/V.
//
// The pool is the memory budget: when it is full, the least recently used block that no
// other block extends (a leaf) is evicted, so a chain is always whole from its root.
// Only the index lives here; the scheduler copies the KV (save_to_pool / load_from_pool)
// between forwards. The scheduler thread owns it: no locking.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <unordered_map>
#include <vector>

namespace switchyard::engine {

class PrefixCache {
 public:
  PrefixCache(int32_t block_tokens, int32_t pool_positions);

  int32_t block_tokens() const { return block_tokens_; }
  int32_t capacity_blocks() const { return static_cast<int32_t>(blocks_.size()); }
  int32_t used_blocks() const { return capacity_blocks() - static_cast<int32_t>(free_.size()); }

  // Pool positions of the longest run of cached blocks that starts `tokens`, covering at
  // most max_tokens tokens; marks them used now.
  std::vector<int32_t> lookup(std::span<const int32_t> tokens, size_t max_tokens);

  struct Placement {
    int32_t block = 0;     // block index in the tokens: positions [block * block_tokens, +block_tokens)
    int32_t pool_pos = 0;  // where its KV must be copied
  };
  // Enters the whole blocks of `tokens` that are not cached yet, evicting as needed, and
  // returns where the caller must now copy each new block's KV. Stops early when nothing
  // more may be evicted (the pool holds only this chain).
  std::vector<Placement> insert(std::span<const int32_t> tokens);

  struct Stats {
    int64_t lookups = 0;
    int64_t hit_blocks = 0;
    int64_t inserted_blocks = 0;
    int64_t evicted_blocks = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  static constexpr int32_t kNone = -1;
  struct Block {
    int32_t parent = kNone;       // kNone: the first block of a prompt
    std::vector<int32_t> tokens;  // [block_tokens]
    uint64_t key = 0;             // hash of (parent, tokens)
    int32_t children = 0;
    uint64_t last_used = 0;
  };
  uint64_t key_of(int32_t parent, std::span<const int32_t> tokens) const;
  int32_t find(int32_t parent, std::span<const int32_t> tokens) const;  // kNone when absent
  void touch(int32_t id);
  int32_t take_block(int32_t keep);  // a free block, evicting an LRU leaf other than `keep`
  void evict(int32_t id);

  int32_t block_tokens_;
  std::vector<Block> blocks_;                          // block id i sits at pool position i * block_tokens
  std::vector<int32_t> free_;                          // unused block ids
  std::unordered_map<uint64_t, int32_t> by_key_;       // key -> block id
  std::set<std::pair<uint64_t, int32_t>> lru_leaves_;  // (last_used, id) of blocks nobody extends
  uint64_t clock_ = 0;
  Stats stats_;
};

}  // namespace switchyard::engine
