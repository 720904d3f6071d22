// Per-element math of the CUDA kernels, written once for host and device (__host__
// __device__ under nvcc, plain inline C++ under g++), so the indexing that is easiest to
// get wrong (where the 32 weights of a chunk live in each GGUF block format, MoE routing,
// RoPE angles, merging split attention) is unit-tested on every machine against the CPU
// engine, GPU or not.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "local_engine/ggml_type.h"

#if defined(__CUDACC__)
#define SY_HD __host__ __device__ __forceinline__
#else
#define SY_HD inline
#endif

namespace switchyard::engine::cuda {

// Weights are processed in chunks of 32 consecutive columns of a row: every supported
// type's row length is a multiple of 32 (block sizes 32 and 256).
constexpr int kChunk = 32;

SY_HD float bits_f32(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, 4);
  return f;
#endif
}

// IEEE half bit pattern -> float (exact; subnormals included).
SY_HD float half_bits_to_f32(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t man = h & 0x3FFu;
  if (exp == 0x1F) return bits_f32(sign | 0x7F800000u | (man << 13));  // inf / nan
  if (exp == 0) {
    if (man == 0) return bits_f32(sign);
    // subnormal: man * 2^-24
    const float v = float(man) * 5.9604644775390625e-8f;
    return sign ? -v : v;
  }
  return bits_f32(sign | ((exp + 112u) << 23) | (man << 13));
}

SY_HD float bf16_bits_to_f32(uint16_t h) { return bits_f32(uint32_t(h) << 16); }

// Loads from weight rows. Every 16-bit field of the supported block formats sits at an even
// offset (rows are whole blocks; device copies are 256-byte aligned), and Q4_K blocks
// (144 bytes) keep 16-byte alignment, so the device uses 2- and 16-byte loads instead of
// single bytes. The host reads bytes (little-endian, as GGUF is).
SY_HD uint16_t load_u16(const uint8_t* p) {
#if defined(__CUDA_ARCH__)
  return __ldg(reinterpret_cast<const unsigned short*>(p));
#else
  return uint16_t(p[0] | (uint16_t(p[1]) << 8));
#endif
}

struct Words4 {
  uint32_t w[4];
  SY_HD uint8_t byte(int j) const { return uint8_t(w[j / 4] >> (8 * (j % 4))); }
};
SY_HD Words4 load16_aligned(const uint8_t* p) {
#if defined(__CUDA_ARCH__)
  const uint4 v = __ldg(reinterpret_cast<const uint4*>(p));
  return Words4{{v.x, v.y, v.z, v.w}};
#else
  Words4 r;
  for (int k = 0; k < 4; ++k) r.w[k] = uint32_t(p[4 * k]) | uint32_t(p[4 * k + 1]) << 8 | uint32_t(p[4 * k + 2]) << 16 | uint32_t(p[4 * k + 3]) << 24;
  return r;
#endif
}

// Block sizes and bytes per block of the supported weight types (ggml's).
SY_HD int block_elems(GgmlType t) {
  switch (t) {
    case GgmlType::q4_k:
    case GgmlType::q6_k: return 256;
    case GgmlType::q8_0:
    case GgmlType::q4_0: return 32;
    default: return 1;
  }
}
SY_HD int block_bytes(GgmlType t) {
  switch (t) {
    case GgmlType::f32: return 4;
    case GgmlType::f16:
    case GgmlType::bf16: return 2;
    case GgmlType::q8_0: return 34;
    case GgmlType::q4_0: return 18;
    case GgmlType::q4_k: return 144;
    case GgmlType::q6_k: return 210;
    default: return 0;
  }
}

// out[j] = W[row, 32 * c + j] for j < 32, where `row` points at the row's first byte.
template <GgmlType T>
SY_HD void dequant_chunk(const uint8_t* row, int64_t c, float* out) {
  if constexpr (T == GgmlType::f32) {
    const uint8_t* p = row + c * kChunk * 4;
    for (int j = 0; j < kChunk; ++j) {
      uint32_t u;
      std::memcpy(&u, p + 4 * j, 4);
      out[j] = bits_f32(u);
    }
  } else if constexpr (T == GgmlType::f16) {
    const uint8_t* p = row + c * kChunk * 2;
    for (int j = 0; j < kChunk; ++j) out[j] = half_bits_to_f32(load_u16(p + 2 * j));
  } else if constexpr (T == GgmlType::bf16) {
    const uint8_t* p = row + c * kChunk * 2;
    for (int j = 0; j < kChunk; ++j) out[j] = bf16_bits_to_f32(load_u16(p + 2 * j));
  } else if constexpr (T == GgmlType::q8_0) {  // {f16 d; int8 qs[32]}: w = d * q
    const uint8_t* b = row + c * 34;
    const float d = half_bits_to_f32(load_u16(b));
    for (int j = 0; j < kChunk / 2; ++j) {
      const uint16_t v = load_u16(b + 2 + 2 * j);
      out[2 * j] = d * float(int8_t(uint8_t(v & 0xFF)));
      out[2 * j + 1] = d * float(int8_t(uint8_t(v >> 8)));
    }
  } else if constexpr (T == GgmlType::q4_0) {  // {f16 d; u8 qs[16]}: low nibbles 0..15, high 16..31
    const uint8_t* b = row + c * 18;
    const float d = half_bits_to_f32(load_u16(b));
    for (int j2 = 0; j2 < 8; ++j2) {
      const uint16_t v = load_u16(b + 2 + 2 * j2);
      for (int h = 0; h < 2; ++h) {
        const int q = (v >> (8 * h)) & 0xFF, j = 2 * j2 + h;
        out[j] = d * float((q & 0x0F) - 8);
        out[j + 16] = d * float((q >> 4) - 8);
      }
    }
  } else if constexpr (T == GgmlType::q4_k) {
    // {f16 d; f16 dmin; u8 scales[12]; u8 qs[128]}: sub-block s (0..7) of 32 weights lives in
    // qs[32 * (s / 2) ..] (low nibbles for even s, high for odd), with 6-bit scale/min s.
    // Three 16-byte loads: the header (d, dmin, scales) and the 32 bytes of quants.
    const uint8_t* b = row + (c / 8) * 144;
    const int s = int(c % 8);
    const Words4 hdr = load16_aligned(b);
    const float d = half_bits_to_f32(uint16_t(hdr.w[0] & 0xFFFF));
    const float dmin = half_bits_to_f32(uint16_t(hdr.w[0] >> 16));
    auto sc = [&](int j) { return hdr.byte(4 + j); };  // scales[j]
    uint8_t scale, min;
    if (s < 4) {
      scale = sc(s) & 63;
      min = sc(s + 4) & 63;
    } else {
      scale = uint8_t((sc(s + 4) & 0xF) | ((sc(s - 4) >> 6) << 4));
      min = uint8_t((sc(s + 4) >> 4) | ((sc(s) >> 6) << 4));
    }
    const float d1 = d * float(scale), m1 = dmin * float(min);
    const uint8_t* q = b + 16 + 32 * (s / 2);
    const Words4 q0 = load16_aligned(q), q1 = load16_aligned(q + 16);
    const int shift = (s % 2) * 4;
    for (int j = 0; j < 16; ++j) {
      out[j] = d1 * float((q0.byte(j) >> shift) & 0xF) - m1;
      out[j + 16] = d1 * float((q1.byte(j) >> shift) & 0xF) - m1;
    }
  } else if constexpr (T == GgmlType::q6_k) {
    // {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}: two halves of 128 weights; group g
    // (0..3) of a half takes ql[64h + 32(g&1) + l] (nibble g>>1), qh[32h + l] bits 2g..2g+1,
    // scale 8h + 2g + l/16.
    const uint8_t* b = row + (c / 8) * 210;
    const int s = int(c % 8), h = s / 4, g = s % 4;
    const float d = half_bits_to_f32(load_u16(b + 208));
    const uint8_t* ql = b + 64 * h + 32 * (g & 1);
    const uint8_t* qh = b + 128 + 32 * h;
    const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192) + 8 * h + 2 * g;
    const int lshift = (g >> 1) * 4, hshift = 2 * g;
    const float d0 = d * float(sc[0]), d1 = d * float(sc[1]);
    for (int l2 = 0; l2 < kChunk / 2; ++l2) {
      const uint16_t lo = load_u16(ql + 2 * l2), hi = load_u16(qh + 2 * l2);
      for (int h2 = 0; h2 < 2; ++h2) {
        const int l = 2 * l2 + h2;
        const int q = int((((lo >> (8 * h2)) >> lshift) & 0xF) | ((((hi >> (8 * h2)) >> hshift) & 3) << 4)) - 32;
        out[l] = (l < 16 ? d0 : d1) * float(q);
      }
    }
  }
}

// Runtime-typed version (tests, and kernels that are not templated on the type).
SY_HD void dequant_chunk_any(GgmlType t, const uint8_t* row, int64_t c, float* out) {
  switch (t) {
    case GgmlType::f32: dequant_chunk<GgmlType::f32>(row, c, out); break;
    case GgmlType::f16: dequant_chunk<GgmlType::f16>(row, c, out); break;
    case GgmlType::bf16: dequant_chunk<GgmlType::bf16>(row, c, out); break;
    case GgmlType::q8_0: dequant_chunk<GgmlType::q8_0>(row, c, out); break;
    case GgmlType::q4_0: dequant_chunk<GgmlType::q4_0>(row, c, out); break;
    case GgmlType::q4_k: dequant_chunk<GgmlType::q4_k>(row, c, out); break;
    case GgmlType::q6_k: dequant_chunk<GgmlType::q6_k>(row, c, out); break;
    default:
      for (int j = 0; j < kChunk; ++j) out[j] = 0;
  }
}

// MoE routing of one token as the CPU model does it: softmax over the n_expert router
// logits, the top k by probability (lowest index first on ties), weights renormalised to
// sum to 1. probs: scratch [n_expert]. ids: [k], weights: [k].
SY_HD void route_token(const float* logits, int n_expert, int k, float* probs, int32_t* ids, float* weights) {
  float max = logits[0];
  for (int e = 1; e < n_expert; ++e) max = logits[e] > max ? logits[e] : max;
  float sum = 0;
  for (int e = 0; e < n_expert; ++e) {
    probs[e] = expf(logits[e] - max);
    sum += probs[e];
  }
  const float inv = 1.0f / sum;
  for (int e = 0; e < n_expert; ++e) probs[e] *= inv;
  float chosen_sum = 0;
  for (int j = 0; j < k; ++j) {
    int best = -1;
    for (int e = 0; e < n_expert; ++e) {
      bool taken = false;
      for (int i = 0; i < j; ++i) taken = taken || ids[i] == e;
      if (!taken && (best < 0 || probs[e] > probs[best])) best = e;
    }
    ids[j] = best;
    weights[j] = probs[best];
    chosen_sum += probs[best];
  }
  for (int j = 0; j < k; ++j) weights[j] /= chosen_sum;
}

// RoPE angle of pair i at position pos, multiplied up pair by pair exactly as ggml (and
// the CPU engine) do, so both sides round the same way. theta_scale = base^(-2/rope_dim).
SY_HD float rope_theta(int pos, int i, float theta_scale) {
  float theta = float(pos);
  for (int j = 0; j < i; ++j) theta *= theta_scale;
  return theta;
}

// One split of a split-K attention: running max m, sum of exp(s - m) l, and the
// unnormalised output o[d] = sum exp(s - m) v[d]. merge() folds split b into a.
struct SplitState {
  float m;  // -INFINITY for an empty split
  float l;
};
// Factors to scale a's and b's partial outputs by when merging them (a' = fa*a + fb*b).
SY_HD SplitState merge_splits(SplitState a, SplitState b, float* fa, float* fb) {
  if (b.l == 0.f) {
    *fa = 1.f;
    *fb = 0.f;
    return a;
  }
  if (a.l == 0.f) {
    *fa = 0.f;
    *fb = 1.f;
    return b;
  }
  const float m = a.m > b.m ? a.m : b.m;
  *fa = expf(a.m - m);
  *fb = expf(b.m - m);
  return SplitState{m, a.l * *fa + b.l * *fb};
}

}  // namespace switchyard::engine::cuda
