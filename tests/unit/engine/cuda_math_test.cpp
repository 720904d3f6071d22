// The CUDA kernels' per-element math (local_engine/cuda/chunk_math.h) run on the CPU
// against the CPU engine: block layouts, MoE routing, RoPE angles and split-attention
// merging. These run on every machine, GPU or not; the kernels themselves are tested in
// tests/gpu against the same references.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "local_engine/cpu/kernels.h"
#include "local_engine/cuda/chunk_math.h"
#include "local_engine/quant.h"
#include "support/random_data.h"

using namespace switchyard::engine;
namespace cu = switchyard::engine::cuda;

using test::random_vec;

namespace {

}  // namespace

TEST_CASE("cuda math: every 32-column chunk decodes exactly as the CPU dequantizer", "[cuda-math]") {
  const int64_t cols = 768;  // three Q4_K/Q6_K super-blocks, 24 Q8_0/Q4_0 blocks
  for (GgmlType t : {GgmlType::f32, GgmlType::f16, GgmlType::bf16, GgmlType::q8_0, GgmlType::q4_0, GgmlType::q4_k,
                     GgmlType::q6_k}) {
    CAPTURE(ggml_type_name(t));
    const auto x = random_vec(size_t(cols), 7 + uint32_t(t), 2.0f);
    const auto row = test::encode_row(t, x.data(), cols);
    REQUIRE(cu::block_bytes(t) == int(ggml_type_size(t)));
    REQUIRE(cu::block_elems(t) == int(ggml_block_size(t)));
    std::vector<float> ref(static_cast<size_t>(cols));
    dequantize_row(t, row.data(), ref.data(), cols);
    // Not all zero: a decoder that wrote nothing would agree with an all-zero row.
    REQUIRE(std::any_of(ref.begin(), ref.end(), [](float v) { return v != 0.f; }));
    std::vector<float> got(size_t(cols), -1e30f);
    for (int64_t c = 0; c < cols / cu::kChunk; ++c) cu::dequant_chunk_any(t, row.data(), c, got.data() + c * cu::kChunk);
    for (int64_t k = 0; k < cols; ++k) {
      CAPTURE(k);
      REQUIRE(got[size_t(k)] == ref[size_t(k)]);  // bit-exact: same formula, same rounding
    }
  }
}

TEST_CASE("cuda math: half_bits_to_f32 is exact for every half bit pattern", "[cuda-math]") {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float a = fp16_to_f32(uint16_t(h)), b = cu::half_bits_to_f32(uint16_t(h));
    if (std::isnan(a)) REQUIRE(std::isnan(b));
    else REQUIRE(a == b);
  }
}

TEST_CASE("cuda math: routing picks the top-k experts, ties to the lowest index, weights renormalised", "[cuda-math]") {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    const int n_expert = 2 + trial % 15, k = 1 + trial % std::min(n_expert, 4);
    auto logits = random_vec(size_t(n_expert), uint32_t(100 + trial));
    if (trial % 5 == 0) logits[size_t(n_expert - 1)] = logits[0];  // a tie
    // Reference: softmax as the CPU engine, then a stable sort by probability.
    std::vector<float> p = logits;
    cpu::softmax(p.data(), n_expert);
    std::vector<int> order(static_cast<size_t>(n_expert));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return p[size_t(a)] > p[size_t(b)]; });
    float sum = 0;
    for (int j = 0; j < k; ++j) sum += p[size_t(order[size_t(j)])];

    std::vector<float> probs(static_cast<size_t>(n_expert));
    std::vector<int32_t> ids(static_cast<size_t>(k));
    std::vector<float> w(static_cast<size_t>(k));
    cu::route_token(logits.data(), n_expert, k, probs.data(), ids.data(), w.data());
    for (int j = 0; j < k; ++j) {
      REQUIRE(ids[size_t(j)] == order[size_t(j)]);
      REQUIRE(w[size_t(j)] == Approx(p[size_t(order[size_t(j)])] / sum).epsilon(1e-6));
    }
    REQUIRE(std::accumulate(w.begin(), w.end(), 0.0f) == Approx(1.0f).epsilon(1e-6));
  }
}

// The angles are computed identically; the rotation itself may round differently where one
// side contracts a*b - c*d into an FMA (the engine is built with -mfma, nvcc contracts too).
TEST_CASE("cuda math: RoPE angles multiplied up as ggml give the CPU rotation", "[cuda-math]") {
  const int head_dim = 128, rope_dim = 96, n_heads = 3;
  const float base = 10000.f;
  const float theta_scale = std::pow(base, -2.0f / float(rope_dim));
  for (int pos : {0, 1, 7, 1000, 32767}) {
    CAPTURE(pos);
    auto x = random_vec(size_t(n_heads * head_dim), uint32_t(pos + 1));
    auto ref = x;
    cpu::rope(ref.data(), n_heads, head_dim, rope_dim, pos, base);
    for (int h = 0; h < n_heads; ++h)
      for (int i = 0; i < head_dim / 2; ++i) {
        float* e = &x[size_t(h * head_dim + 2 * i)];
        if (i >= rope_dim / 2) continue;  // past rope_dim: unrotated
        const float th = cu::rope_theta(pos, i, theta_scale);
        const float c = std::cos(th), s = std::sin(th), x0 = e[0], x1 = e[1];
        e[0] = x0 * c - x1 * s;
        e[1] = x0 * s + x1 * c;
      }
    for (size_t k = 0; k < x.size(); ++k) REQUIRE(x[k] == Approx(ref[k]).margin(2e-6));
  }
}

TEST_CASE("cuda math: attention split into pieces and merged equals one softmax", "[cuda-math]") {
  const int hd = 16, n_pos = 300;
  const auto q = random_vec(size_t(hd), 1);
  const auto k = random_vec(size_t(n_pos * hd), 2, 3.0f);  // large scores: the max matters
  const auto v = random_vec(size_t(n_pos * hd), 3);
  const float scale = 1.0f / std::sqrt(float(hd));
  std::vector<float> ref(static_cast<size_t>(hd)), scores(static_cast<size_t>(n_pos));
  cpu::attention_ref(q.data(), 1, hd, k.data(), v.data(), hd, n_pos, scale, ref.data(), scores.data());
  for (int split_len : {1, 7, 128, 299, 300, 512}) {
    CAPTURE(split_len);
    cu::SplitState st{-INFINITY, 0.f};
    std::vector<float> acc(size_t(hd), 0.f);
    for (int p0 = 0; p0 < n_pos + split_len; p0 += split_len) {  // the last split may be empty
      const int p1 = std::min(n_pos, p0 + split_len);
      cu::SplitState part{-INFINITY, 0.f};
      std::vector<float> o(size_t(hd), 0.f);
      if (p0 < p1) {
        for (int p = p0; p < p1; ++p) {
          float d = 0;
          for (int j = 0; j < hd; ++j) d += q[size_t(j)] * k[size_t(p * hd + j)];
          part.m = std::max(part.m, d * scale);
        }
        for (int p = p0; p < p1; ++p) {
          float d = 0;
          for (int j = 0; j < hd; ++j) d += q[size_t(j)] * k[size_t(p * hd + j)];
          const float w = std::exp(d * scale - part.m);
          part.l += w;
          for (int j = 0; j < hd; ++j) o[size_t(j)] += w * v[size_t(p * hd + j)];
        }
      }
      float fa, fb;
      st = cu::merge_splits(st, part, &fa, &fb);
      for (int j = 0; j < hd; ++j) acc[size_t(j)] = acc[size_t(j)] * fa + (fb != 0.f ? o[size_t(j)] * fb : 0.f);
    }
    for (int j = 0; j < hd; ++j) REQUIRE(acc[size_t(j)] / st.l == Approx(ref[size_t(j)]).margin(1e-5).epsilon(1e-4));
  }
}
