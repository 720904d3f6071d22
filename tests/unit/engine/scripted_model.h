// A model that wants to write one fixed token script after any prompt (the script's next
// token gets logit 10, every other 0; after the script, EOS): what a real model does once
// it has decided what to say, e.g. to call a tool. For tests of how output is parsed.
#pragma once

#include <vector>

#include "local_engine/engine.h"

namespace switchyard::engine::test {

class ScriptedModel : public BatchModel {
 public:
  ScriptedModel(int32_t n_vocab, std::vector<int32_t> script, int32_t eos, int32_t n_seq = 1, int32_t n_ctx = 1024)
      : n_vocab_(n_vocab), n_ctx_(n_ctx), script_(std::move(script)), eos_(eos), held_(size_t(n_seq), 0),
        prompt_(size_t(n_seq), -1) {}
  int32_t n_vocab() const override { return n_vocab_; }
  int32_t n_ctx() const override { return n_ctx_; }
  int32_t n_seq_max() const override { return int32_t(held_.size()); }
  void clear_seq(int32_t seq) override {
    held_[size_t(seq)] = 0;
    prompt_[size_t(seq)] = -1;
  }
  Result<void> forward(std::span<const BatchToken> batch, float* logits) override {
    size_t row = 0;
    for (const BatchToken& t : batch) {
      held_[size_t(t.seq)] = t.pos + 1;
      if (!t.want_logits) continue;
      if (prompt_[size_t(t.seq)] < 0) prompt_[size_t(t.seq)] = t.pos + 1;  // the prompt ends here
      const size_t k = size_t(held_[size_t(t.seq)] - prompt_[size_t(t.seq)]);
      float* out = logits + row++ * size_t(n_vocab_);
      std::fill(out, out + n_vocab_, 0.0f);
      out[k < script_.size() ? script_[k] : eos_] = 10.0f;
    }
    return {};
  }
  Result<void> copy_seq(int32_t src, int32_t dst, int32_t n) override {
    held_[size_t(dst)] = n;
    prompt_[size_t(dst)] = prompt_[size_t(src)];
    return {};
  }
  Result<int32_t> reserve_pool(size_t) override { return 0; }
  Result<void> save_to_pool(int32_t, int32_t, int32_t, int32_t) override { return std::unexpected(Error{"no pool"}); }
  Result<void> load_from_pool(int32_t, int32_t, int32_t, int32_t) override { return std::unexpected(Error{"no pool"}); }

 private:
  int32_t n_vocab_, n_ctx_;
  std::vector<int32_t> script_;
  int32_t eos_;
  std::vector<int32_t> held_;    // positions each slot holds
  std::vector<int32_t> prompt_;  // where its prompt ended (-1: not yet)
};

}  // namespace switchyard::engine::test
