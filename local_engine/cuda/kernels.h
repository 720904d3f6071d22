// Launchers of the CUDA kernels (kernels_*.cu). Plain C++20 with raw device pointers, so
// both nvcc (the .cu files) and g++ (cuda_model.cpp, C++23) read it. Every launcher
// enqueues on `stream` and returns at once; errors surface through cudaGetLastError /
// the next synchronisation, which cuda_model.cpp checks.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "local_engine/ggml_type.h"

namespace switchyard::engine::cuda {

constexpr int kMaxExperts = 64;   // routing keeps one probability per expert in registers
constexpr int kMaxHeadDim = 256;  // attention keeps q and the output row in shared memory

bool kernel_type_supported(GgmlType t);

// y[s * y_stride + r] = W_e[r, :] . x[row(s)] for the slots s of expert e, where
//   dense   (expert_offset null): one matrix, slots [0, n);
//   grouped (expert_offset [n_expert + 1] on the device): expert e's slots are
//           [expert_offset[e], expert_offset[e + 1]), its weights at w + e * expert_bytes;
//   row(s) = x_index ? x_index[s] : s.
// Weights: `type` [rows, cols] per expert, rows row_bytes apart. x: F32 rows x_stride
// floats apart (x_stride % 4 == 0). y: F32.
struct MatmulArgs {
  GgmlType type = GgmlType::f32;
  const uint8_t* w = nullptr;
  size_t row_bytes = 0;
  size_t expert_bytes = 0;
  int rows = 0, cols = 0;
  const float* x = nullptr;
  int64_t x_stride = 0;
  const int32_t* x_index = nullptr;
  const int32_t* expert_offset = nullptr;
  int n_expert = 1;
  int n = 0;  // dense: rows of x; grouped: an upper bound on every expert's slot count
  float* y = nullptr;
  int64_t y_stride = 0;
};
// Decode: one warp per output row, lanes over 32-column chunks, up to 8 slots per pass so
// each weight is read once for all of them. Best for n <= 8 (per expert).
void launch_matvec(const MatmulArgs& a, cudaStream_t stream);
// Prefill and batches: 64 rows x 64 slots per block, weights dequantized to F16 in shared
// memory, tensor cores (wmma 16x16x16, F32 accumulate).
void launch_tiled(const MatmulArgs& a, cudaStream_t stream);

// x: F32 [n, dim] <- dequantized rows tokens[i] of the embedding (type [n_vocab, dim]).
void launch_embed(GgmlType type, const uint8_t* table, size_t row_bytes, const int32_t* tokens, int n, int dim,
                  float* x, cudaStream_t stream);
// out: F32 [n, dim] = x[row(i)] / rms(x[row(i)]) * w, row(i) = rows ? rows[i] : i.
void launch_rms_norm(const float* x, const float* w, const int32_t* rows, int n, int dim, float eps, float* out,
                     cudaStream_t stream);
// Rotates q: F32 [n, n_head * hd] and k: F32 [n, n_kv_head * hd] in place (ggml mode 0),
// then stores k and v of token i at (seq[i], pos[i]) of the layer's cache
// [n_seq_max, n_ctx, kv_dim] (F16 when kv_f16, else F32).
struct RopeStoreArgs {
  float* q = nullptr;
  float* k = nullptr;
  const float* v = nullptr;
  const int32_t* pos = nullptr;
  const int32_t* seq = nullptr;
  int n = 0, n_head = 0, n_kv_head = 0, head_dim = 0, rope_dim = 0;
  float theta_scale = 1.f;  // freq_base^(-2 / rope_dim)
  void* k_cache = nullptr;
  void* v_cache = nullptr;
  bool kv_f16 = false;
  int n_ctx = 0;
};
void launch_rope_store(const RopeStoreArgs& a, cudaStream_t stream);

// out: F32 [n, n_head * hd]: causal attention of token i over positions [0, pos[i]] of its
// sequence, query head h reading KV head h / (n_head / n_kv_head). Long contexts are split
// across blocks (n_split per head) and merged; partial: F32 scratch of
// attention_scratch_floats(n, n_head, hd, n_split) floats.
struct AttentionArgs {
  const float* q = nullptr;
  const void* k_cache = nullptr;
  const void* v_cache = nullptr;
  bool kv_f16 = false;
  const int32_t* pos = nullptr;
  const int32_t* seq = nullptr;
  int n = 0, n_head = 0, n_kv_head = 0, head_dim = 0, n_ctx = 0;
  int max_len = 0;  // max(pos) + 1 over the batch (host side)
  int n_split = 1;
  float scale = 1.f;
  float* partial = nullptr;
  float* out = nullptr;
};
int attention_splits(int n, int n_head, int max_len);  // how many splits pay for this batch
size_t attention_scratch_floats(int n, int n_head, int head_dim, int n_split);
void launch_attention(const AttentionArgs& a, cudaStream_t stream);

// g = silu(g) * u over count floats.
void launch_swiglu(float* g, const float* u, int64_t count, cudaStream_t stream);
// x += d over count floats.
void launch_add(float* x, const float* d, int64_t count, cudaStream_t stream);
// F32 -> F16 (to_bf16 false) or BF16, count values, round to nearest even.
void launch_convert(const float* x, void* out, int64_t count, bool to_bf16, cudaStream_t stream);

// MoE routing and grouping, all on the device (one block): for each token softmax over the
// router logits F32 [n, n_expert], top k, renormalise -> ids I32 [n, k], weights F32 [n, k];
// then expert_offset I32 [n_expert + 1], slot_token I32 [n * k] (slots grouped by expert,
// tokens ascending within an expert: the CPU engine's order) and token_slot I32 [n * k].
struct RouteArgs {
  const float* logits = nullptr;
  int n = 0, n_expert = 0, k = 0;
  int32_t* ids = nullptr;
  float* weights = nullptr;
  int32_t* expert_offset = nullptr;
  int32_t* slot_token = nullptr;
  int32_t* token_slot = nullptr;
};
void launch_route(const RouteArgs& a, cudaStream_t stream);
// x[i] += sum_k weights[i, k] * dout[token_slot[i, k]], the k terms added in ascending
// expert order (as the CPU engine adds them). dout: F32 [n * k, dim].
void launch_moe_combine(float* x, const float* dout, const int32_t* ids, const float* weights,
                        const int32_t* token_slot, int n, int k, int dim, cudaStream_t stream);

// Reads `bytes` (a multiple of 16) once: the memory-bandwidth yardstick of bench/engine.
void launch_read(const void* p, size_t bytes, unsigned* sink, int n_blocks, cudaStream_t stream);

}  // namespace switchyard::engine::cuda
