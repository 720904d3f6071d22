// Which tokens a grammar allows next, fast enough for every decode step.
//
// VocabIndex (once per tokenizer): every token's bytes (the piece it appends to the
// output), sorted, with the length each shares with the one before. Walking the grammar
// down the sorted list visits each shared prefix once (a trie walk without the trie), and
// a prefix the grammar rejects skips every token that starts with it.
//
// MaskCache (once per grammar and vocabulary, shared by every request using them): one
// walk costs about a pass over the vocabulary, so its result is cached under what decides
// it: the thread's state and the return states of its top kContextFrames stack frames
// (XGrammar's "adaptive token mask cache" idea). A token that would return below those
// frames is "uncertain": the entry lists it, and each step checks it against the real
// stack. Few tokens are: one has to close several nested rules to get there.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "local_engine/grammar/matcher.h"
#include "local_engine/tokenizer.h"

namespace switchyard::engine::grammar {

class VocabIndex {
 public:
  explicit VocabIndex(const Tokenizer& tokenizer);  // tokens with empty pieces (control) are left out

  int32_t n_vocab() const { return n_vocab_; }
  size_t size() const { return ids_.size(); }
  int32_t id(size_t i) const { return ids_[i]; }
  std::string_view piece(size_t i) const {
    return {reinterpret_cast<const char*>(bytes_.data()) + offset_[i], offset_[i + 1] - offset_[i]};
  }
  uint32_t shared_with_previous(size_t i) const { return lcp_[i]; }
  size_t max_length() const { return max_length_; }
  std::string_view piece_of(int32_t token) const;  // "" for tokens left out

 private:
  int32_t n_vocab_ = 0;
  std::vector<int32_t> ids_;       // [n] token id of sorted entry i
  std::vector<uint32_t> offset_;   // [n + 1] entry i's bytes: [offset_[i], offset_[i + 1])
  std::vector<uint8_t> bytes_;
  std::vector<uint32_t> lcp_;      // [n] bytes entry i shares with entry i - 1
  std::vector<int32_t> slot_of_;   // [n_vocab] sorted position of each token, -1 if left out
  size_t max_length_ = 0;
};

// A set of token ids as bits: word t / 64, bit t % 64.
struct TokenBits {
  std::vector<uint64_t> words;
  void reset(int32_t n_vocab) { words.assign((static_cast<size_t>(n_vocab) + 63) / 64, 0); }
  void set(int32_t t) { words[static_cast<size_t>(t) >> 6] |= uint64_t{1} << (t & 63); }
  bool test(int32_t t) const { return (words[static_cast<size_t>(t) >> 6] >> (t & 63)) & 1; }
};

class MaskCache {
 public:
  static constexpr int kContextFrames = 2;

  MaskCache(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const VocabIndex> vocab,
            size_t max_bytes = size_t(32) << 20);

  // out: the tokens the matcher may take next (EOS is the caller's: allowed when can_end()).
  void allowed(Matcher& matcher, TokenBits& out);

  struct Stats {
    int64_t hits = 0, misses = 0;
    int64_t uncertain_checked = 0;
    double walk_seconds = 0;
  };
  const Stats& stats() const { return stats_; }
  int32_t vocab_size() const { return vocab_->n_vocab(); }

 private:
  struct Key {
    int32_t state = 0;
    std::array<int32_t, kContextFrames> ret{};  // -1 past the bottom of the stack
    int32_t below = kStackEmpty;                // what lies under the last known frame
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  struct Entry {
    TokenBits allowed;               // certain whatever lies below the key's frames
    std::vector<int32_t> uncertain;  // need the real stack
  };
  Key key_of(const Thread& t, const StackArena& arena) const;
  const Entry& entry(const Key& key);
  Entry walk(const Key& key);

  std::shared_ptr<const Grammar> grammar_;
  std::shared_ptr<const VocabIndex> vocab_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  std::unordered_map<Key, Entry, KeyHash> entries_;
  StackArena arena_;            // the walk's frames
  std::vector<Successors> level_;  // walk scratch: threads after d bytes of the current token
  Stats stats_;
};

}  // namespace switchyard::engine::grammar
