// Token sampling with every parameter the proxy accepts. Order of operations follows
// llama.cpp's default chain: penalties -> logit_bias -> top_k -> top_p -> min_p -> top_a
// -> temperature -> sample. Temperature 0 is greedy argmax (after penalties and bias).
// A token mask (constrained decoding) applies after penalties and bias and before every
// filter, so top_k, top_p and the rest choose among the allowed tokens only.
// Logprobs are the log-softmax of the raw logits, before any transformation (as OpenAI
// reports them).
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

namespace switchyard::engine {

struct SamplingOptions {
  float temperature = 1.0f;         // 0 = greedy
  int32_t top_k = 0;                // 0 = off
  float top_p = 1.0f;               // 1 = off
  float min_p = 0.0f;               // keep p >= min_p * p_max; 0 = off
  float top_a = 0.0f;               // keep p >= top_a * p_max^2; 0 = off
  float frequency_penalty = 0.0f;   // OpenAI: logit -= count * f, over generated tokens
  float presence_penalty = 0.0f;    // OpenAI: logit -= (count > 0) * p, over generated tokens
  float repetition_penalty = 1.0f;  // llama.cpp: logit > 0 ? logit / rp : logit * rp
  int32_t repeat_last_n = 64;       // window of prompt+generated tokens for rp; <= 0: all
  std::vector<std::pair<int32_t, float>> logit_bias;  // token id -> added to the logit
  std::optional<uint64_t> seed;     // none: seeded from std::random_device
  bool logprobs = false;
  int32_t top_logprobs = 0;         // 0..20 alternatives per position (needs logprobs)
};

struct TokenLogprob {
  int32_t token = 0;
  float logprob = 0.0f;
};

struct SampledToken {
  int32_t token = 0;
  float logprob = 0.0f;             // of `token` under the raw distribution (if logprobs)
  std::vector<TokenLogprob> top;    // top_logprobs alternatives, most likely first
};

// One per sequence: holds the RNG and the token history the penalties need.
class Sampler {
 public:
  Sampler(SamplingOptions options, int32_t n_vocab);

  // The prompt joins the repetition-penalty window (not the frequency/presence counts).
  void set_prompt(std::span<const int32_t> prompt);

  // Samples from logits (F32 [n_vocab], modified in place) and records the token as
  // generated. allowed: bit t % 64 of word t / 64 set for each token that may be sampled
  // (empty: all). Returns token -1 when the mask allows none.
  SampledToken sample(float* logits, std::span<const uint64_t> allowed = {});

  const SamplingOptions& options() const { return options_; }

 private:
  struct Candidate {
    int32_t token;
    float logit;
  };
  void apply_penalties(float* logits) const;
  double uniform01();
  int32_t sample_from(std::vector<Candidate>& cands);
  void record(int32_t token);

  SamplingOptions options_;
  int32_t n_vocab_;
  std::mt19937_64 rng_;
  std::unordered_map<int32_t, int32_t> generated_counts_;
  std::vector<int32_t> history_;     // prompt + generated, for the repetition window
  std::vector<Candidate> cands_;     // scratch
  std::vector<float> raw_;           // scratch: raw logits when logprobs are wanted
};

// log-softmax helpers (exposed for tests): log(sum(exp(x))) over logits[0..n).
double log_sum_exp(const float* logits, int32_t n);

}  // namespace switchyard::engine
