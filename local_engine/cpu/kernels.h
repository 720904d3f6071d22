// CPU matmul kernels, one set per ISA (scalar reference, AVX2+FMA, AVX-512 VNNI), each in
// its own translation unit compiled with its own flags and chosen at run time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "local_engine/backend.h"

namespace switchyard::engine::cpu {

// Computes y[i * y_stride + r] = W[r, :] . x_i for rows r in [r0, r1) and tokens i < n,
// x_i = row (act_index ? act_index[i] : i) of act (act_stride bytes apart, in
// act_type_for(w.type) format). Kernels tile over rows and tokens so that a block of
// weights loaded once is used for several tokens.
using GemmFn = void (*)(const WeightMatrix& w, int64_t r0, int64_t r1, const uint8_t* act, size_t act_stride,
                        const int32_t* act_index, int64_t n, float* y, int64_t y_stride);
// x: F32 [n] -> one activation row.
using QuantizeFn = void (*)(const float* x, void* out, int64_t n);

constexpr int kNumTypes = 7;
int type_slot(GgmlType t);  // f32 0, f16 1, bf16 2, q8_0 3, q4_0 4, q4_k 5, q6_k 6

struct KernelSet {
  const char* name;
  GemmFn gemm[kNumTypes];
  QuantizeFn quantize_q8_0;
  QuantizeFn quantize_q8_k;
};

const KernelSet& kernels_scalar();
const KernelSet* kernels_avx2();    // null when not built or unsupported by this CPU
const KernelSet* kernels_avx512();  // null when not built or unsupported by this CPU
const KernelSet& best_kernels();
const KernelSet* kernels_by_name(const char* name);  // "scalar", "avx2", "avx512"

// Float helpers shared by the model (plain loops; the compiler vectorizes them).
void rms_norm(float* out, const float* x, const float* w, int64_t n, float eps);  // out = x / rms(x) * w
void softmax(float* x, int64_t n);                                                 // in place
void swiglu(float* g, const float* u, int64_t n);                                  // g = silu(g) * u (SIMD exp)
void swiglu_ref(float* g, const float* u, int64_t n);                              // plain reference
// Rotates adjacent pairs (x[2i], x[2i+1]) of each of n_heads heads (ggml rope mode 0):
// theta_i = pos * freq_base^(-2i/rope_dim), for 2i < rope_dim.
void rope(float* x, int n_heads, int head_dim, int rope_dim, int pos, float freq_base);

// Attention of n_q query heads that share one KV head (a GQA group) over positions
// [0, n_pos): out_h = sum_p softmax_p(scale * q_h . k_p) * v_p.
// q: F32 [n_q, hd]; k, v: position p at k + p * kv_stride (F32 [hd]); out: F32 [n_q, hd];
// scores: scratch F32 [n_q, n_pos]. attention() is the SIMD version (AVX2 + FMA: the
// engine's x86 baseline), attention_ref() the plain reference it is tested against.
void attention(const float* q, int n_q, int64_t hd, const float* k, const float* v, int64_t kv_stride, int n_pos,
               float scale, float* out, float* scores);
void attention_ref(const float* q, int n_q, int64_t hd, const float* k, const float* v, int64_t kv_stride, int n_pos,
                   float scale, float* out, float* scores);
// The same over an F16 KV cache (K/V converted to F32 as they are loaded).
void attention_f16(const float* q, int n_q, int64_t hd, const uint16_t* k, const uint16_t* v, int64_t kv_stride, int n_pos,
                   float scale, float* out, float* scores);
void attention_f16_ref(const float* q, int n_q, int64_t hd, const uint16_t* k, const uint16_t* v, int64_t kv_stride,
                       int n_pos, float scale, float* out, float* scores);
void f32_to_f16_row(const float* x, uint16_t* y, int64_t n);  // round to nearest even, as f32_to_fp16

}  // namespace switchyard::engine::cpu
