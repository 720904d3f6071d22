#include "local_engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace switchyard::engine {

double log_sum_exp(const float* logits, int32_t n) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int32_t i = 0; i < n; ++i) mx = std::max(mx, logits[i]);
  if (!std::isfinite(mx)) return mx;
  double sum = 0;
  for (int32_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[i]) - mx);
  return mx + std::log(sum);
}

Sampler::Sampler(SamplingOptions options, int32_t n_vocab)
    : options_(std::move(options)), n_vocab_(n_vocab) {
  rng_.seed(options_.seed ? *options_.seed : (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}());
}

void Sampler::set_prompt(std::span<const int32_t> prompt) {
  history_.assign(prompt.begin(), prompt.end());
}

void Sampler::record(int32_t token) {
  ++generated_counts_[token];
  history_.push_back(token);
}

double Sampler::uniform01() {
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;  // [0, 1), same on every platform
}

void Sampler::apply_penalties(float* logits) const {
  const float rp = options_.repetition_penalty;
  if (rp != 1.0f && rp > 0.0f && !history_.empty()) {
    const size_t n = history_.size();
    const size_t w = options_.repeat_last_n > 0 ? std::min(n, static_cast<size_t>(options_.repeat_last_n)) : n;
    std::vector<int32_t> window(history_.end() - static_cast<std::ptrdiff_t>(w), history_.end());
    std::sort(window.begin(), window.end());
    window.erase(std::unique(window.begin(), window.end()), window.end());
    for (int32_t t : window) {
      if (t < 0 || t >= n_vocab_) continue;
      float& l = logits[t];
      l = l > 0 ? l / rp : l * rp;
    }
  }
  if (options_.frequency_penalty != 0.0f || options_.presence_penalty != 0.0f) {
    for (const auto& [t, count] : generated_counts_) {
      if (t < 0 || t >= n_vocab_) continue;
      logits[t] -= static_cast<float>(count) * options_.frequency_penalty + options_.presence_penalty;
    }
  }
}

namespace {

bool by_logit_desc(const auto& a, const auto& b) { return a.logit > b.logit; }

}  // namespace

SampledToken Sampler::sample(float* logits, std::span<const uint64_t> allowed) {
  SampledToken out;
  const bool want_logprobs = options_.logprobs || options_.top_logprobs > 0;
  double lse = 0;
  if (want_logprobs) {
    raw_.assign(logits, logits + n_vocab_);
    lse = log_sum_exp(logits, n_vocab_);
    const int32_t k = std::clamp(options_.top_logprobs, 0, n_vocab_);
    if (k > 0) {
      cands_.resize(static_cast<size_t>(n_vocab_));
      for (int32_t i = 0; i < n_vocab_; ++i) cands_[static_cast<size_t>(i)] = {i, logits[i]};
      std::partial_sort(cands_.begin(), cands_.begin() + k, cands_.end(),
                        [](const Candidate& a, const Candidate& b) {
                          return a.logit > b.logit || (a.logit == b.logit && a.token < b.token);
                        });
      for (int32_t i = 0; i < k; ++i)
        out.top.push_back({cands_[static_cast<size_t>(i)].token,
                           static_cast<float>(cands_[static_cast<size_t>(i)].logit - lse)});
    }
  }

  apply_penalties(logits);
  for (const auto& [t, bias] : options_.logit_bias)
    if (t >= 0 && t < n_vocab_) logits[t] += bias;

  auto ok = [&](int32_t t) {
    return allowed.empty() || (static_cast<size_t>(t >> 6) < allowed.size() && (allowed[static_cast<size_t>(t >> 6)] >> (t & 63)) & 1);
  };
  if (options_.temperature <= 0.0f) {
    int32_t best = -1;
    for (int32_t i = 0; i < n_vocab_; ++i)
      if (ok(i) && (best < 0 || logits[i] > logits[best])) best = i;
    out.token = best;
  } else {
    cands_.clear();
    for (int32_t i = 0; i < n_vocab_; ++i)
      if (ok(i)) cands_.push_back({i, logits[i]});
    out.token = cands_.empty() ? -1 : sample_from(cands_);
  }
  if (out.token < 0) return out;
  if (want_logprobs) out.logprob = static_cast<float>(raw_[static_cast<size_t>(out.token)] - lse);
  record(out.token);
  return out;
}

// Filters then draws. cands is unsorted on entry; `sorted` counts the leading candidates
// known to be in descending order, so sorting happens only as far as a filter needs.
int32_t Sampler::sample_from(std::vector<Candidate>& cands) {
  size_t sorted = 0;
  auto ensure_sorted = [&](size_t m) {
    m = std::min(m, cands.size());
    if (m <= sorted) return;
    std::partial_sort(cands.begin() + static_cast<std::ptrdiff_t>(sorted),
                      cands.begin() + static_cast<std::ptrdiff_t>(m), cands.end(), by_logit_desc<Candidate, Candidate>);
    sorted = m;
  };
  auto max_logit = [&] {
    if (sorted > 0) return cands.front().logit;
    float mx = -std::numeric_limits<float>::infinity();
    for (const auto& c : cands) mx = std::max(mx, c.logit);
    return mx;
  };

  // top_k
  if (options_.top_k > 0 && static_cast<size_t>(options_.top_k) < cands.size()) {
    ensure_sorted(static_cast<size_t>(options_.top_k));
    cands.resize(static_cast<size_t>(options_.top_k));
  }
  // top_p: smallest prefix (by probability) whose mass reaches top_p
  if (options_.top_p < 1.0f && cands.size() > 1) {
    const float mx = max_logit();
    double z = 0;
    for (const auto& c : cands) z += std::exp(static_cast<double>(c.logit) - mx);
    double cum = 0;
    size_t keep = cands.size();
    size_t chunk = 64;
    for (size_t i = 0; i < cands.size(); ++i) {
      if (i >= sorted) {
        ensure_sorted(i + chunk);
        chunk *= 2;
      }
      cum += std::exp(static_cast<double>(cands[i].logit) - mx) / z;
      if (cum >= options_.top_p) {
        keep = i + 1;
        break;
      }
    }
    if (keep < cands.size()) {
      ensure_sorted(keep);
      cands.resize(keep);
    }
  }
  // min_p: p >= min_p * p_max  <=>  logit >= max + log(min_p)
  if (options_.min_p > 0.0f && cands.size() > 1) {
    const float threshold = max_logit() + std::log(options_.min_p);
    std::erase_if(cands, [&](const Candidate& c) { return c.logit < threshold; });
    sorted = std::min(sorted, cands.size());  // erase keeps order: the prefix stays sorted
  }
  // top_a: p >= top_a * p_max^2, with p the softmax over the remaining candidates
  if (options_.top_a > 0.0f && cands.size() > 1) {
    const float mx = max_logit();
    double z = 0;
    for (const auto& c : cands) z += std::exp(static_cast<double>(c.logit) - mx);
    const double p_max = 1.0 / z;
    const double threshold = options_.top_a * p_max * p_max;
    std::erase_if(cands, [&](const Candidate& c) { return std::exp(static_cast<double>(c.logit) - mx) / z < threshold; });
    sorted = std::min(sorted, cands.size());
  }
  // temperature, softmax, draw
  const double t = options_.temperature;
  const float mx = max_logit();
  double z = 0;
  for (auto& c : cands) z += std::exp((static_cast<double>(c.logit) - mx) / t);
  double r = uniform01() * z;
  for (const auto& c : cands) {
    r -= std::exp((static_cast<double>(c.logit) - mx) / t);
    if (r < 0) return c.token;
  }
  return cands.back().token;  // rounding
}

}  // namespace switchyard::engine
