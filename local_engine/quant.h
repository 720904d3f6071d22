// Quantized block formats, bit-exact with ggml (ggml-common.h), plus plain reference
// dequantize / quantize / dot products. The SIMD kernels in cpu/ must agree with these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "local_engine/gguf.h"

namespace switchyard::engine {

using fp16_t = uint16_t;  // IEEE half, bit pattern
using bf16_t = uint16_t;  // bfloat16, bit pattern

float fp16_to_f32(fp16_t h);
fp16_t f32_to_fp16(float f);  // round to nearest even
inline float bf16_to_f32(bf16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
bf16_t f32_to_bf16(float f);  // round to nearest even

constexpr int QK8_0 = 32;
constexpr int QK4_0 = 32;
constexpr int QK_K = 256;
constexpr int K_SCALE_SIZE = 12;

struct BlockQ8_0 {      // 34 bytes: w[j] = d * qs[j]
  fp16_t d;
  int8_t qs[QK8_0];
};
struct BlockQ4_0 {      // 18 bytes: w[j] = d * ((qs[j] & 15) - 8), w[j+16] = d * ((qs[j] >> 4) - 8)
  fp16_t d;
  uint8_t qs[QK4_0 / 2];
};
struct BlockQ4_K {      // 144 bytes: 8 sub-blocks of 32, 6-bit scale and min each
  fp16_t d;             // super-block scale for the scales
  fp16_t dmin;          // super-block scale for the mins
  uint8_t scales[K_SCALE_SIZE];
  uint8_t qs[QK_K / 2];
};
struct BlockQ6_K {      // 210 bytes: 16 sub-blocks of 16, int8 scale each
  uint8_t ql[QK_K / 2]; // low 4 bits
  uint8_t qh[QK_K / 4]; // high 2 bits
  int8_t scales[QK_K / 16];
  fp16_t d;
};
struct BlockQ8_K {      // activations for the K-quants (not stored in files)
  float d;
  int8_t qs[QK_K];
  int16_t bsums[QK_K / 16];  // sums of groups of 16 qs
};
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

// Unpacks sub-block j's 6-bit scale and min of a Q4_K block (ggml's get_scale_min_k4).
inline void q4k_scale_min(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *m = (q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4);
  }
}

// Row of n weights (n a multiple of the block size) <-> F32.
void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n);
void quantize_row(GgmlType type, const float* src, void* dst, int64_t n);

void dequantize_row_q8_0(const BlockQ8_0* x, float* y, int64_t n);
void dequantize_row_q4_0(const BlockQ4_0* x, float* y, int64_t n);
void dequantize_row_q4_k(const BlockQ4_K* x, float* y, int64_t n);
void dequantize_row_q6_k(const BlockQ6_K* x, float* y, int64_t n);
void dequantize_row_q8_k(const BlockQ8_K* x, float* y, int64_t n);
void quantize_row_q8_0(const float* x, BlockQ8_0* y, int64_t n);
void quantize_row_q4_0(const float* x, BlockQ4_0* y, int64_t n);
void quantize_row_q4_k(const float* x, BlockQ4_K* y, int64_t n);
void quantize_row_q6_k(const float* x, BlockQ6_K* y, int64_t n);
void quantize_row_q8_k(const float* x, BlockQ8_K* y, int64_t n);

// Activation format a weight type is multiplied with (llama.cpp's vec_dot_type).
enum class ActType { f32, q8_0, q8_k };
ActType act_type_for(GgmlType weight_type);
size_t act_row_bytes(ActType t, int64_t n);
void quantize_act_row(ActType t, const float* x, void* dst, int64_t n);  // reference

// Reference dot product of one weight row with one activation row (in its ActType).
float vec_dot_ref(GgmlType weight_type, const void* w, const void* act, int64_t n);

}  // namespace switchyard::engine
