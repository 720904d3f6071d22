// A deterministic stand-in for Model in scheduler tests: logits are a pure function of
// the tokens a sequence slot holds, so a sequence's output cannot depend on what else is
// in the batch unless the scheduler mixes slots up. It checks the batch contract
// (positions contiguous per slot) and records batch shapes.
#pragma once

#include <mutex>
#include <set>

#include <condition_variable>

#include "local_engine/engine.h"

namespace switchyard::engine::test {

struct FakeModelStats {
  std::mutex mu;
  int forwards = 0;
  int max_seqs_in_batch = 0;
  int max_batch = 0;
  std::vector<int> clears;
  int64_t tokens_forwarded = 0;  // batch tokens, all forwards
  int copies = 0, pool_saves = 0, pool_loads = 0;  // KV copies (calls)
  int64_t pool_positions_loaded = 0;
  // While paused, forward() waits (tests that need a request to stay running).
  bool paused = false;
  std::condition_variable resumed;
  void pause() {
    std::lock_guard lk(mu);
    paused = true;
  }
  void resume() {
    {
      std::lock_guard lk(mu);
      paused = false;
    }
    resumed.notify_all();
  }
};

class FakeModel : public BatchModel {
 public:
  FakeModel(int32_t n_vocab, int32_t n_ctx, int32_t n_seq, std::shared_ptr<FakeModelStats> stats, int32_t eos_after = 0)
      : n_vocab_(n_vocab), n_ctx_(n_ctx), n_seq_(n_seq), stats_(std::move(stats)), eos_after_(eos_after),
        hist_(static_cast<size_t>(n_seq)) {}
  int32_t n_vocab() const override { return n_vocab_; }
  int32_t n_ctx() const override { return n_ctx_; }
  int32_t n_seq_max() const override { return n_seq_; }
  void clear_seq(int32_t seq) override {
    hist_[static_cast<size_t>(seq)].clear();
    std::lock_guard lk(stats_->mu);
    stats_->clears.push_back(seq);
  }
  // The pool holds what a real one would: the tokens whose KV sits at each position.
  Result<void> copy_seq(int32_t src, int32_t dst, int32_t n) override {
    auto& from = hist_[static_cast<size_t>(src)];
    if (n > static_cast<int32_t>(from.size())) return std::unexpected(Error{"fake: copy_seq beyond the source"});
    hist_[static_cast<size_t>(dst)].assign(from.begin(), from.begin() + n);
    std::lock_guard lk(stats_->mu);
    ++stats_->copies;
    return {};
  }
  Result<int32_t> reserve_pool(size_t bytes) override {
    pool_.assign(std::min<size_t>(bytes / kFakeBytesPerPosition, size_t(1) << 16), -1);  // tests need no more
    return static_cast<int32_t>(pool_.size());
  }
  Result<void> save_to_pool(int32_t seq, int32_t pos, int32_t pool_pos, int32_t n) override {
    const auto& h = hist_[static_cast<size_t>(seq)];
    if (pos + n > static_cast<int32_t>(h.size()) || pool_pos + n > static_cast<int32_t>(pool_.size()))
      return std::unexpected(Error{"fake: save_to_pool out of range"});
    std::copy_n(h.begin() + pos, n, pool_.begin() + pool_pos);
    std::lock_guard lk(stats_->mu);
    ++stats_->pool_saves;
    return {};
  }
  Result<void> load_from_pool(int32_t pool_pos, int32_t seq, int32_t pos, int32_t n) override {
    auto& h = hist_[static_cast<size_t>(seq)];
    if (pos > static_cast<int32_t>(h.size()) || pool_pos + n > static_cast<int32_t>(pool_.size()))
      return std::unexpected(Error{"fake: load_from_pool out of range"});
    h.resize(static_cast<size_t>(pos));
    h.insert(h.end(), pool_.begin() + pool_pos, pool_.begin() + pool_pos + n);
    std::lock_guard lk(stats_->mu);
    ++stats_->pool_loads;
    stats_->pool_positions_loaded += n;
    return {};
  }
  static constexpr size_t kFakeBytesPerPosition = 64;

  Result<void> forward(std::span<const BatchToken> batch, float* logits) override {
    {
      std::unique_lock lk(stats_->mu);
      stats_->resumed.wait(lk, [&] { return !stats_->paused; });
    }
    std::set<int32_t> seqs;
    size_t row = 0;
    for (const auto& t : batch) {
      auto& h = hist_[static_cast<size_t>(t.seq)];
      if (t.pos != static_cast<int32_t>(h.size()) || t.pos >= n_ctx_)
        return std::unexpected(Error{"fake: bad position"});
      h.push_back(t.token);
      seqs.insert(t.seq);
      if (!t.want_logits) continue;
      fill(h, logits + row * static_cast<size_t>(n_vocab_));
      ++row;
    }
    std::lock_guard lk(stats_->mu);
    ++stats_->forwards;
    stats_->tokens_forwarded += static_cast<int64_t>(batch.size());
    stats_->max_seqs_in_batch = std::max(stats_->max_seqs_in_batch, static_cast<int>(seqs.size()));
    stats_->max_batch = std::max(stats_->max_batch, static_cast<int>(batch.size()));
    return {};
  }

 private:
  // A smooth pseudo-random distribution keyed by the history; tokens 0..2 (unk, BOS,
  // EOS) are unlikely, except EOS once a sequence holds eos_after tokens.
  void fill(const std::vector<int32_t>& h, float* out) const {
    uint64_t x = 1469598103934665603ull;
    for (int32_t t : h) x = (x ^ static_cast<uint64_t>(t)) * 1099511628211ull;
    for (int32_t i = 0; i < n_vocab_; ++i) {
      uint64_t y = (x + static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull);
      y ^= y >> 31;
      y *= 0xBF58476D1CE4E5B9ull;
      y ^= y >> 29;
      out[i] = static_cast<float>(y % 1000) / 100.0f;  // [0, 10)
    }
    out[0] = out[1] = out[2] = -20.0f;
    if (eos_after_ > 0 && static_cast<int32_t>(h.size()) >= eos_after_) out[2] = 50.0f;
  }
  int32_t n_vocab_, n_ctx_, n_seq_;
  std::shared_ptr<FakeModelStats> stats_;
  int32_t eos_after_;
  std::vector<std::vector<int32_t>> hist_;
  std::vector<int32_t> pool_;  // token at each pool position (-1: never written)
};

}  // namespace switchyard::engine::test
