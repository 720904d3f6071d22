// Every CUDA kernel against the CPU engine on random inputs (never zeros). Tolerances are
// max |gpu - ref| / rms(ref), stated per type and path:
//   matrix-vector kernel vs exact (F64 over the dequantized weights):  1e-4 (F32 math)
//   tiled tensor-core kernel vs exact:  1e-2 (weights and activations staged as F16)
//   cuBLAS for F32 / F16 / BF16 weights (batches of more than 8 tokens) vs exact:
//     1e-4 / 1e-2 / 3e-2 (activations rounded to the weight type)
//   any path vs the CPU backend (which quantizes activations to Q8):  3e-2
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>

#include "gpu_support.h"
#include "local_engine/cpu/kernels.h"
#include "local_engine/cuda/chunk_math.h"
#include "local_engine/cuda/cuda_testing.h"

using namespace gpu_test;
namespace ct = switchyard::engine::cuda::testing;

namespace {
const GgmlType kTypes[] = {GgmlType::f32, GgmlType::f16, GgmlType::bf16, GgmlType::q8_0,
                           GgmlType::q4_0, GgmlType::q4_k, GgmlType::q6_k};

double tolerance_vs_exact(GgmlType t, ct::MatmulPath p, int n) {
  if (p == ct::MatmulPath::matvec) return 1e-4;
  if (p == ct::MatmulPath::tiled) return 1e-2;
  if (n <= 8) return 1e-4;  // model path, a few tokens: the matrix-vector kernel for every type
  switch (t) {  // model path, a batch: cuBLAS for float types, else the tiled kernel
    case GgmlType::f32: return 1e-4;
    case GgmlType::f16: return 1e-2;
    case GgmlType::bf16: return 3e-2;
    default: return 1e-2;
  }
}
}  // namespace

TEST_CASE("gpu: matmul of every type and path matches the exact product and the CPU backend", "[gpu][kernel]") {
  for (GgmlType t : kTypes) {
    // 200 rows: not a multiple of the 64-row tile or the 4-row matvec block.
    const auto m = random_matrix(t, 200, 512, 10 + uint32_t(t));
    for (int n : {1, 3, 8, 13, 70}) {
      const auto x = random_vec(size_t(n) * 512, uint32_t(n));
      const auto exact = exact_matmul(m, x, n);
      const auto cpu = cpu_matmul(m, x, n);
      for (auto path : {ct::MatmulPath::matvec, ct::MatmulPath::tiled, ct::MatmulPath::model}) {
        CAPTURE(ggml_type_name(t), n, int(path));
        auto y = ct::matmul(m.w, x, n, path);
        REQUIRE(y.has_value());
        CHECK(rel_max_err(*y, exact) < tolerance_vs_exact(t, path, n));
        CHECK(rel_max_err(*y, cpu) < 3e-2);
      }
    }
  }
}

TEST_CASE("gpu: grouped expert matmul runs each expert over its slots only", "[gpu][kernel][moe]") {
  const int n_expert = 4, rows = 96, cols = 256;
  for (GgmlType t : {GgmlType::q4_k, GgmlType::q8_0, GgmlType::f16}) {
    std::vector<OwnedMatrix> owned;
    std::vector<WeightMatrix> experts;
    for (int e = 0; e < n_expert; ++e) owned.push_back(random_matrix(t, rows, cols, 100 + uint32_t(e)));
    for (auto& o : owned) experts.push_back(o.w);
    for (int n_tokens : {5, 40}) {
      const auto x = random_vec(size_t(n_tokens) * cols, 7);
      // Slots grouped by expert; expert 2 gets none (its weights must not be touched).
      std::vector<int32_t> slot_token, offset{0};
      std::vector<int> slot_expert;
      for (int e = 0; e < n_expert; ++e) {
        if (e != 2)
          for (int i = e % 2; i < n_tokens; i += 1 + e) {
            slot_token.push_back(i);
            slot_expert.push_back(e);
          }
        offset.push_back(int32_t(slot_token.size()));
      }
      for (auto path : {ct::MatmulPath::matvec, ct::MatmulPath::tiled}) {
        CAPTURE(ggml_type_name(t), n_tokens, int(path));
        auto y = ct::expert_matmul(experts, x, slot_token, offset, path);
        REQUIRE(y.has_value());
        std::vector<float> ref(y->size());
        for (size_t s = 0; s < slot_token.size(); ++s) {
          const std::vector<float> xi(x.begin() + slot_token[s] * cols, x.begin() + (slot_token[s] + 1) * cols);
          const auto r = exact_matmul(owned[size_t(slot_expert[s])], xi, 1);
          std::copy(r.begin(), r.end(), ref.begin() + int64_t(s) * rows);
        }
        CHECK(rel_max_err(*y, ref) < (path == ct::MatmulPath::matvec ? 1e-4 : 1e-2));
      }
    }
  }
}

TEST_CASE("gpu: routing and grouping on the device equal the CPU engine's", "[gpu][kernel][moe]") {
  const int n = 37, n_expert = 8, k = 2;
  auto logits = random_vec(size_t(n * n_expert), 5, 2.0f);
  logits[3] = logits[4];  // a tie inside token 0
  auto r = ct::route(logits, n, n_expert, k);
  REQUIRE(r.has_value());
  std::vector<int32_t> offset(size_t(n_expert + 1), 0);
  for (int i = 0; i < n; ++i) {
    float probs[8];
    int32_t ids[2];
    float w[2];
    switchyard::engine::cuda::route_token(&logits[size_t(i * n_expert)], n_expert, k, probs, ids, w);
    for (int j = 0; j < k; ++j) {
      CHECK(r->ids[size_t(i * k + j)] == ids[j]);
      CHECK(r->weights[size_t(i * k + j)] == Approx(w[j]).epsilon(1e-5));
      offset[size_t(ids[j] + 1)]++;
    }
  }
  std::partial_sum(offset.begin(), offset.end(), offset.begin());
  CHECK(r->expert_offset == offset);
  // Within an expert, tokens ascend; token_slot points back at the same (token, pick).
  for (int e = 0; e < n_expert; ++e)
    for (int s = offset[size_t(e)]; s < offset[size_t(e + 1)]; ++s) {
      if (s > offset[size_t(e)]) CHECK(r->slot_token[size_t(s)] > r->slot_token[size_t(s - 1)]);
      const int i = r->slot_token[size_t(s)];
      bool found = false;
      for (int j = 0; j < k; ++j) found = found || (r->ids[size_t(i * k + j)] == e && r->token_slot[size_t(i * k + j)] == s);
      CHECK(found);
    }

  // Combining adds each token's picks in ascending expert order, as the CPU engine does.
  const int dim = 64;
  const auto x = random_vec(size_t(n * dim), 8);
  const auto dout = random_vec(size_t(n * k * dim), 9);
  auto y = ct::moe_combine(x, dout, *r, n, k, dim);
  REQUIRE(y.has_value());
  std::vector<float> ref = x;
  for (int s = 0; s < n * k; ++s) {  // slot order = expert order
    const int i = r->slot_token[size_t(s)];
    float w = 0;
    for (int j = 0; j < k; ++j)
      if (r->token_slot[size_t(i * k + j)] == s) w = r->weights[size_t(i * k + j)];
    for (int d = 0; d < dim; ++d) ref[size_t(i * dim + d)] += w * dout[size_t(s * dim + d)];
  }
  for (size_t q = 0; q < ref.size(); ++q) CHECK((*y)[q] == Approx(ref[q]).margin(1e-6));
}

TEST_CASE("gpu: rms_norm, swiglu and RoPE against the CPU kernels", "[gpu][kernel]") {
  const int n = 5, dim = 1024;
  const auto x = random_vec(size_t(n * dim), 1, 3.0f);
  const auto w = random_vec(size_t(dim), 2);
  auto y = ct::rms_norm(x, w, n, dim, 1e-5f);
  REQUIRE(y.has_value());
  for (int i = 0; i < n; ++i) {
    std::vector<float> ref(static_cast<size_t>(dim));
    cpu::rms_norm(ref.data(), &x[size_t(i * dim)], w.data(), dim, 1e-5f);
    for (int d = 0; d < dim; ++d) CHECK((*y)[size_t(i * dim + d)] == Approx(ref[size_t(d)]).epsilon(1e-5).margin(1e-6));
  }

  auto g = random_vec(4099, 3, 2.0f);
  const auto u = random_vec(4099, 4);
  auto s = ct::swiglu(g, u);
  REQUIRE(s.has_value());
  cpu::swiglu_ref(g.data(), u.data(), int64_t(g.size()));
  for (size_t k = 0; k < g.size(); ++k) CHECK((*s)[k] == Approx(g[k]).epsilon(1e-5).margin(1e-7));

  const int n_head = 6, n_kv_head = 2, hd = 128, rope_dim = 128;
  const std::vector<int32_t> pos{0, 1, 2, 500, 4095};
  const auto q = random_vec(pos.size() * n_head * hd, 5);
  const auto k = random_vec(pos.size() * n_kv_head * hd, 6);
  auto rot = ct::rope(q, k, pos, n_head, n_kv_head, hd, rope_dim, 10000.f);
  REQUIRE(rot.has_value());  // also checks that the cache holds the rotated k
  for (size_t i = 0; i < pos.size(); ++i) {
    std::vector<float> rq(q.begin() + int64_t(i) * n_head * hd, q.begin() + int64_t(i + 1) * n_head * hd);
    std::vector<float> rk(k.begin() + int64_t(i) * n_kv_head * hd, k.begin() + int64_t(i + 1) * n_kv_head * hd);
    cpu::rope(rq.data(), n_head, hd, rope_dim, pos[i], 10000.f);
    cpu::rope(rk.data(), n_kv_head, hd, rope_dim, pos[i], 10000.f);
    for (size_t d = 0; d < rq.size(); ++d) CHECK(rot->q[i * rq.size() + d] == Approx(rq[d]).margin(1e-4));
    for (size_t d = 0; d < rk.size(); ++d) CHECK(rot->k[i * rk.size() + d] == Approx(rk[d]).margin(1e-4));
  }
}

TEST_CASE("gpu: split attention over F32 and F16 caches matches the CPU reference", "[gpu][kernel][attention]") {
  const int n_head = 8, n_kv_head = 2, hd = 128, n_ctx = 1500, kv_dim = n_kv_head * hd;
  const auto kc = random_vec(size_t(n_ctx * kv_dim), 11, 2.0f);
  const auto vc = random_vec(size_t(n_ctx * kv_dim), 12);
  const std::vector<int32_t> pos{0, 1, 127, 128, 129, 700, 1499};
  const auto q = random_vec(pos.size() * n_head * hd, 13);
  for (bool f16 : {false, true}) {
    // The CPU reference reads the cache the GPU reads: rounded to F16 when it is F16.
    std::vector<float> kr = kc, vr = vc;
    if (f16) {
      for (auto& v : kr) v = fp16_to_f32(f32_to_fp16(v));
      for (auto& v : vr) v = fp16_to_f32(f32_to_fp16(v));
    }
    for (int n_split : {1, 3, 0}) {
      CAPTURE(f16, n_split);
      auto out = ct::attention(q, kc, vc, pos, n_head, n_kv_head, hd, n_ctx, f16, n_split);
      REQUIRE(out.has_value());
      for (size_t i = 0; i < pos.size(); ++i) {
        const int n_pos = pos[i] + 1, group = n_head / n_kv_head;
        for (int kvh = 0; kvh < n_kv_head; ++kvh) {
          std::vector<float> ref(size_t(group * hd)), scores(size_t(group * n_pos));
          cpu::attention_ref(&q[i * n_head * hd + size_t(kvh * group * hd)], group, hd, kr.data() + kvh * hd,
                             vr.data() + kvh * hd, kv_dim, n_pos, 1.0f / std::sqrt(float(hd)), ref.data(), scores.data());
          for (int d = 0; d < group * hd; ++d)
            CHECK((*out)[i * n_head * hd + size_t(kvh * group * hd + d)] == Approx(ref[size_t(d)]).margin(2e-5).epsilon(1e-4));
        }
      }
    }
  }
}
