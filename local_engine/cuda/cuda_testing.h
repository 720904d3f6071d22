// Single kernels on host data, for the [gpu] tests that compare each kernel with the CPU
// engine (DESIGN.md: every kernel has a CPU reference and a test against it). Each call
// uploads its inputs, runs one launch on a fresh stream, synchronises and copies back.
// In a build without CUDA every function returns an error.
#pragma once

#include <cstdint>
#include <vector>

#include "local_engine/backend.h"
#include "local_engine/status.h"

namespace switchyard::engine::cuda::testing {

enum class MatmulPath {
  matvec,  // the decode kernel
  tiled,   // the tensor-core kernel (F16 staging)
  model,   // what the model uses for a dense matrix of this type and n (cuBLAS for float types)
};

// y: F32 [n, w.rows] = x: F32 [n, w.cols] . W^T.
Result<std::vector<float>> matmul(const WeightMatrix& w, const std::vector<float>& x, int n, MatmulPath path);

// The grouped (MoE) form: experts (one type and shape) over slots grouped by expert.
// x: F32 [n_tokens, cols]; slot_token I32 [n_slots]; expert_offset I32 [n_expert + 1].
// Returns y: F32 [n_slots, rows], y[s] = W_e(s) . x[slot_token[s]].
Result<std::vector<float>> expert_matmul(const std::vector<WeightMatrix>& experts, const std::vector<float>& x,
                                         const std::vector<int32_t>& slot_token, const std::vector<int32_t>& expert_offset,
                                         MatmulPath path);

struct Routing {
  std::vector<int32_t> ids;            // [n, k]
  std::vector<float> weights;          // [n, k]
  std::vector<int32_t> expert_offset;  // [n_expert + 1]
  std::vector<int32_t> slot_token;     // [n * k]
  std::vector<int32_t> token_slot;     // [n * k]
};
Result<Routing> route(const std::vector<float>& logits, int n, int n_expert, int k);

// x: F32 [n, dim] += sum_k weights * dout[token_slot] (the routing as returned by route()).
Result<std::vector<float>> moe_combine(const std::vector<float>& x, const std::vector<float>& dout, const Routing& r, int n,
                                       int k, int dim);

Result<std::vector<float>> rms_norm(const std::vector<float>& x, const std::vector<float>& w, int n, int dim, float eps);
Result<std::vector<float>> swiglu(const std::vector<float>& g, const std::vector<float>& u);

// RoPE of q [n, n_head * hd] and k [n, n_kv_head * hd] at pos[i]; returns q then k, rotated.
struct Rotated {
  std::vector<float> q, k;
};
Result<Rotated> rope(const std::vector<float>& q, const std::vector<float>& k, const std::vector<int32_t>& pos, int n_head,
                     int n_kv_head, int head_dim, int rope_dim, float freq_base);

// Attention of n tokens of ONE sequence (token i at pos[i]) over a cache given as F32
// [n_ctx, kv_dim] (stored as F16 when kv_f16). n_split 0: as the model picks it.
Result<std::vector<float>> attention(const std::vector<float>& q, const std::vector<float>& k_cache,
                                     const std::vector<float>& v_cache, const std::vector<int32_t>& pos, int n_head,
                                     int n_kv_head, int head_dim, int n_ctx, bool kv_f16, int n_split);

}  // namespace switchyard::engine::cuda::testing
