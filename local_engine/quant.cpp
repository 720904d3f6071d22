#include "local_engine/quant.h"

#include <algorithm>
#include <cmath>

namespace switchyard::engine {

namespace {
float bits_to_f32(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
uint32_t f32_to_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
int nearest_int(float f) { return int(std::lrintf(f)); }
}  // namespace

// Portable IEEE half conversions (as ggml's non-F16C fallback, FP16 library by Maratyszcza).
float fp16_to_f32(fp16_t h) {
  const uint32_t w = uint32_t(h) << 16;
  const uint32_t sign = w & 0x80000000u;
  const uint32_t two_w = w + w;
  const uint32_t exp_offset = 0xE0u << 23;
  const float exp_scale = bits_to_f32(0x7800000u);
  const float normalized = bits_to_f32((two_w >> 4) + exp_offset) * exp_scale;
  const uint32_t magic_mask = 126u << 23;
  const float magic_bias = 0.5f;
  const float denormalized = bits_to_f32((two_w >> 17) | magic_mask) - magic_bias;
  const uint32_t denorm_cutoff = 1u << 27;
  const uint32_t result = sign | (two_w < denorm_cutoff ? f32_to_bits(denormalized) : f32_to_bits(normalized));
  return bits_to_f32(result);
}

fp16_t f32_to_fp16(float f) {
  const float scale_to_inf = bits_to_f32(0x77800000u);
  const float scale_to_zero = bits_to_f32(0x08800000u);
  float base = (std::fabs(f) * scale_to_inf) * scale_to_zero;
  const uint32_t w = f32_to_bits(f);
  const uint32_t shl1_w = w + w;
  const uint32_t sign = w & 0x80000000u;
  uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = bits_to_f32((bias >> 1) + 0x07800000u) + base;
  const uint32_t bits = f32_to_bits(base);
  const uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
  const uint32_t mantissa_bits = bits & 0x00000FFFu;
  const uint32_t nonsign = exp_bits + mantissa_bits;
  return fp16_t((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

bf16_t f32_to_bf16(float f) {
  uint32_t u = f32_to_bits(f);
  if ((u & 0x7fffffff) > 0x7f800000) return bf16_t((u >> 16) | 64);  // quiet NaN
  return bf16_t((u + (0x7fff + ((u >> 16) & 1))) >> 16);
}

// ---- dequantize ------------------------------------------------------------------------

void dequantize_row_q8_0(const BlockQ8_0* x, float* y, int64_t n) {
  for (int64_t b = 0; b < n / QK8_0; ++b) {
    const float d = fp16_to_f32(x[b].d);
    for (int j = 0; j < QK8_0; ++j) y[b * QK8_0 + j] = d * float(x[b].qs[j]);
  }
}

void dequantize_row_q4_0(const BlockQ4_0* x, float* y, int64_t n) {
  for (int64_t b = 0; b < n / QK4_0; ++b) {
    const float d = fp16_to_f32(x[b].d);
    for (int j = 0; j < QK4_0 / 2; ++j) {
      y[b * QK4_0 + j] = d * float((x[b].qs[j] & 0x0F) - 8);
      y[b * QK4_0 + j + 16] = d * float((x[b].qs[j] >> 4) - 8);
    }
  }
}

void dequantize_row_q4_k(const BlockQ4_K* x, float* y, int64_t n) {
  for (int64_t b = 0; b < n / QK_K; ++b) {
    const uint8_t* q = x[b].qs;
    const float d = fp16_to_f32(x[b].d);
    const float dmin = fp16_to_f32(x[b].dmin);
    int is = 0;
    for (int j = 0; j < QK_K; j += 64) {
      uint8_t sc, m;
      q4k_scale_min(is + 0, x[b].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      q4k_scale_min(is + 1, x[b].scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * float(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * float(q[l] >> 4) - m2;
      q += 32;
      is += 2;
    }
  }
}

void dequantize_row_q6_k(const BlockQ6_K* x, float* y, int64_t n) {
  for (int64_t b = 0; b < n / QK_K; ++b) {
    const float d = fp16_to_f32(x[b].d);
    const uint8_t* ql = x[b].ql;
    const uint8_t* qh = x[b].qh;
    const int8_t* sc = x[b].scales;
    for (int c = 0; c < QK_K; c += 128) {
      for (int l = 0; l < 32; ++l) {
        int is = l / 16;
        const int q1 = int((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = int((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = int((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l + 0] = d * sc[is + 0] * q1;
        y[l + 32] = d * sc[is + 2] * q2;
        y[l + 64] = d * sc[is + 4] * q3;
        y[l + 96] = d * sc[is + 6] * q4;
      }
      y += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
  }
}

void dequantize_row_q8_k(const BlockQ8_K* x, float* y, int64_t n) {
  for (int64_t b = 0; b < n / QK_K; ++b)
    for (int j = 0; j < QK_K; ++j) y[b * QK_K + j] = x[b].d * float(x[b].qs[j]);
}

void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n) {
  switch (type) {
    case GgmlType::f32: std::memcpy(dst, src, size_t(n) * 4); break;
    case GgmlType::f16: {
      const fp16_t* s = static_cast<const fp16_t*>(src);
      for (int64_t k = 0; k < n; ++k) dst[k] = fp16_to_f32(s[k]);
      break;
    }
    case GgmlType::bf16: {
      const bf16_t* s = static_cast<const bf16_t*>(src);
      for (int64_t k = 0; k < n; ++k) dst[k] = bf16_to_f32(s[k]);
      break;
    }
    case GgmlType::q8_0: dequantize_row_q8_0(static_cast<const BlockQ8_0*>(src), dst, n); break;
    case GgmlType::q4_0: dequantize_row_q4_0(static_cast<const BlockQ4_0*>(src), dst, n); break;
    case GgmlType::q4_k: dequantize_row_q4_k(static_cast<const BlockQ4_K*>(src), dst, n); break;
    case GgmlType::q6_k: dequantize_row_q6_k(static_cast<const BlockQ6_K*>(src), dst, n); break;
  }
}

// ---- quantize ---------------------------------------------------------------------------

void quantize_row_q8_0(const float* x, BlockQ8_0* y, int64_t n) {
  for (int64_t b = 0; b < n / QK8_0; ++b) {
    float amax = 0;
    for (int j = 0; j < QK8_0; ++j) amax = std::max(amax, std::fabs(x[b * QK8_0 + j]));
    const float d = amax / 127.f;
    const float id = d ? 1.0f / d : 0.0f;
    y[b].d = f32_to_fp16(d);
    for (int j = 0; j < QK8_0; ++j) y[b].qs[j] = int8_t(std::roundf(x[b * QK8_0 + j] * id));
  }
}

void quantize_row_q4_0(const float* x, BlockQ4_0* y, int64_t n) {
  for (int64_t b = 0; b < n / QK4_0; ++b) {
    const float* xb = x + b * QK4_0;
    float amax = 0, max = 0;  // max: the value with the largest magnitude, with its sign
    for (int j = 0; j < QK4_0; ++j)
      if (std::fabs(xb[j]) > amax) { amax = std::fabs(xb[j]); max = xb[j]; }
    const float d = max / -8;
    const float id = d ? 1.0f / d : 0.0f;
    y[b].d = f32_to_fp16(d);
    for (int j = 0; j < QK4_0 / 2; ++j) {
      const uint8_t q0 = uint8_t(std::min(15, int(int8_t(xb[j] * id + 8.5f))));
      const uint8_t q1 = uint8_t(std::min(15, int(int8_t(xb[j + 16] * id + 8.5f))));
      y[b].qs[j] = q0 | uint8_t(q1 << 4);
    }
  }
}

void quantize_row_q8_k(const float* x, BlockQ8_K* y, int64_t n) {
  for (int64_t b = 0; b < n / QK_K; ++b) {
    const float* xb = x + b * QK_K;
    float amax = 0, max = 0;
    for (int j = 0; j < QK_K; ++j)
      if (std::fabs(xb[j]) > amax) { amax = std::fabs(xb[j]); max = xb[j]; }
    if (amax == 0) {
      y[b].d = 0;
      std::memset(y[b].qs, 0, sizeof(y[b].qs));
      std::memset(y[b].bsums, 0, sizeof(y[b].bsums));
      continue;
    }
    const float iscale = -127.f / max;
    for (int j = 0; j < QK_K; ++j) y[b].qs[j] = int8_t(std::min(127, nearest_int(iscale * xb[j])));
    for (int g = 0; g < QK_K / 16; ++g) {
      int s = 0;
      for (int j = 0; j < 16; ++j) s += y[b].qs[g * 16 + j];
      y[b].bsums[g] = int16_t(s);
    }
    y[b].d = 1 / iscale;
  }
}

// Simple (non-iterative) Q4_K: per 32-weight sub-block w ~ scale*q - min, q in 0..15;
// the 8 scales and mins are then quantized to 6 bits against the super-block d / dmin.
void quantize_row_q4_k(const float* x, BlockQ4_K* y, int64_t n) {
  for (int64_t b = 0; b < n / QK_K; ++b) {
    const float* xb = x + b * QK_K;
    float scales[8], mins[8];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; ++j) {
      float lo = 0, hi = 0;  // include 0 so mins are >= 0 as ggml stores them
      for (int l = 0; l < 32; ++l) { lo = std::min(lo, xb[32 * j + l]); hi = std::max(hi, xb[32 * j + l]); }
      scales[j] = (hi - lo) / 15.f;
      mins[j] = -lo;
      max_scale = std::max(max_scale, scales[j]);
      max_min = std::max(max_min, mins[j]);
    }
    const float d = max_scale / 63.f, dmin = max_min / 63.f;
    y[b].d = f32_to_fp16(d);
    y[b].dmin = f32_to_fp16(dmin);
    const float dh = fp16_to_f32(y[b].d), dminh = fp16_to_f32(y[b].dmin);
    uint8_t ls[8], lm[8];
    for (int j = 0; j < 8; ++j) {
      ls[j] = uint8_t(std::clamp(dh ? nearest_int(scales[j] / dh) : 0, 0, 63));
      lm[j] = uint8_t(std::clamp(dminh ? nearest_int(mins[j] / dminh) : 0, 0, 63));
    }
    std::memset(y[b].scales, 0, sizeof(y[b].scales));
    for (int j = 0; j < 8; ++j) {
      if (j < 4) {
        y[b].scales[j] = ls[j];
        y[b].scales[j + 4] = lm[j];
      } else {
        y[b].scales[j + 4] = uint8_t((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
        y[b].scales[j - 4] |= uint8_t((ls[j] >> 4) << 6);
        y[b].scales[j - 0] |= uint8_t((lm[j] >> 4) << 6);
      }
    }
    uint8_t L[QK_K];
    for (int j = 0; j < 8; ++j) {
      uint8_t sc, m;
      q4k_scale_min(j, y[b].scales, &sc, &m);
      const float dd = dh * sc, dm = dminh * m;
      for (int l = 0; l < 32; ++l) {
        int q = dd ? nearest_int((xb[32 * j + l] + dm) / dd) : 0;
        L[32 * j + l] = uint8_t(std::clamp(q, 0, 15));
      }
    }
    uint8_t* q = y[b].qs;
    for (int j = 0; j < QK_K; j += 64) {
      for (int l = 0; l < 32; ++l) q[l] = uint8_t(L[j + l] | (L[j + l + 32] << 4));
      q += 32;
    }
  }
}

// Simple Q6_K: per 16-weight sub-block an int8 scale against the super-block d, q in -32..31.
void quantize_row_q6_k(const float* x, BlockQ6_K* y, int64_t n) {
  for (int64_t b = 0; b < n / QK_K; ++b) {
    const float* xb = x + b * QK_K;
    float scales[16];
    float max_scale = 0, max_abs_scale = 0;
    for (int s = 0; s < 16; ++s) {
      float amax = 0, max = 0;
      for (int l = 0; l < 16; ++l)
        if (std::fabs(xb[16 * s + l]) > amax) { amax = std::fabs(xb[16 * s + l]); max = xb[16 * s + l]; }
      scales[s] = max / -32.f;  // the extreme value maps to -32, as ggml's make_qx_quants
      if (std::fabs(scales[s]) > max_abs_scale) { max_abs_scale = std::fabs(scales[s]); max_scale = scales[s]; }
    }
    if (max_abs_scale == 0) {
      std::memset(&y[b], 0, sizeof(BlockQ6_K));
      continue;
    }
    const float iscale = -128.f / max_scale;
    y[b].d = f32_to_fp16(1 / iscale);
    const float dh = fp16_to_f32(y[b].d);
    uint8_t L[QK_K];
    for (int s = 0; s < 16; ++s) {
      y[b].scales[s] = int8_t(std::min(127, nearest_int(iscale * scales[s])));
      const float dd = dh * y[b].scales[s];
      for (int l = 0; l < 16; ++l) {
        int q = dd ? nearest_int(xb[16 * s + l] / dd) : 0;
        L[16 * s + l] = uint8_t(std::clamp(q, -32, 31) + 32);
      }
    }
    uint8_t* ql = y[b].ql;
    uint8_t* qh = y[b].qh;
    for (int j = 0; j < QK_K; j += 128) {
      for (int l = 0; l < 32; ++l) {
        const uint8_t q1 = L[j + l + 0] & 0xF, q2 = L[j + l + 32] & 0xF;
        const uint8_t q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
        ql[l + 0] = uint8_t(q1 | (q3 << 4));
        ql[l + 32] = uint8_t(q2 | (q4 << 4));
        qh[l] = uint8_t((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) |
                        ((L[j + l + 96] >> 4) << 6));
      }
      ql += 64;
      qh += 32;
    }
  }
}

void quantize_row(GgmlType type, const float* src, void* dst, int64_t n) {
  switch (type) {
    case GgmlType::f32: std::memcpy(dst, src, size_t(n) * 4); break;
    case GgmlType::f16: {
      fp16_t* d = static_cast<fp16_t*>(dst);
      for (int64_t k = 0; k < n; ++k) d[k] = f32_to_fp16(src[k]);
      break;
    }
    case GgmlType::bf16: {
      bf16_t* d = static_cast<bf16_t*>(dst);
      for (int64_t k = 0; k < n; ++k) d[k] = f32_to_bf16(src[k]);
      break;
    }
    case GgmlType::q8_0: quantize_row_q8_0(src, static_cast<BlockQ8_0*>(dst), n); break;
    case GgmlType::q4_0: quantize_row_q4_0(src, static_cast<BlockQ4_0*>(dst), n); break;
    case GgmlType::q4_k: quantize_row_q4_k(src, static_cast<BlockQ4_K*>(dst), n); break;
    case GgmlType::q6_k: quantize_row_q6_k(src, static_cast<BlockQ6_K*>(dst), n); break;
  }
}

// ---- activations and reference dots ------------------------------------------------------

ActType act_type_for(GgmlType t) {
  switch (t) {
    case GgmlType::q8_0: case GgmlType::q4_0: return ActType::q8_0;
    case GgmlType::q4_k: case GgmlType::q6_k: return ActType::q8_k;
    default: return ActType::f32;
  }
}

size_t act_row_bytes(ActType t, int64_t n) {
  switch (t) {
    case ActType::f32: return size_t(n) * 4;
    case ActType::q8_0: return size_t(n / QK8_0) * sizeof(BlockQ8_0);
    case ActType::q8_k: return size_t(n / QK_K) * sizeof(BlockQ8_K);
  }
  return 0;
}

void quantize_act_row(ActType t, const float* x, void* dst, int64_t n) {
  switch (t) {
    case ActType::f32: std::memcpy(dst, x, size_t(n) * 4); break;
    case ActType::q8_0: quantize_row_q8_0(x, static_cast<BlockQ8_0*>(dst), n); break;
    case ActType::q8_k: quantize_row_q8_k(x, static_cast<BlockQ8_K*>(dst), n); break;
  }
}

namespace {
float dot_q8_0_q8_0(const BlockQ8_0* w, const BlockQ8_0* x, int64_t n) {
  float sum = 0;
  for (int64_t b = 0; b < n / QK8_0; ++b) {
    int s = 0;
    for (int j = 0; j < QK8_0; ++j) s += int(w[b].qs[j]) * int(x[b].qs[j]);
    sum += fp16_to_f32(w[b].d) * fp16_to_f32(x[b].d) * float(s);
  }
  return sum;
}
float dot_q4_0_q8_0(const BlockQ4_0* w, const BlockQ8_0* x, int64_t n) {
  float sum = 0;
  for (int64_t b = 0; b < n / QK4_0; ++b) {
    int s = 0;
    for (int j = 0; j < 16; ++j)
      s += ((w[b].qs[j] & 0xF) - 8) * int(x[b].qs[j]) + ((w[b].qs[j] >> 4) - 8) * int(x[b].qs[j + 16]);
    sum += fp16_to_f32(w[b].d) * fp16_to_f32(x[b].d) * float(s);
  }
  return sum;
}
float dot_q4_k_q8_k(const BlockQ4_K* w, const BlockQ8_K* x, int64_t n) {
  float sum = 0;
  for (int64_t b = 0; b < n / QK_K; ++b) {
    const uint8_t* q = w[b].qs;
    const int8_t* a = x[b].qs;
    int sumi = 0, summ = 0;
    for (int j = 0; j < 4; ++j) {  // 64 weights: sub-blocks 2j (low nibbles) and 2j+1 (high)
      uint8_t sc0, m0, sc1, m1;
      q4k_scale_min(2 * j, w[b].scales, &sc0, &m0);
      q4k_scale_min(2 * j + 1, w[b].scales, &sc1, &m1);
      int s0 = 0, s1 = 0;
      for (int l = 0; l < 32; ++l) {
        s0 += (q[l] & 0xF) * a[l];
        s1 += (q[l] >> 4) * a[l + 32];
      }
      sumi += sc0 * s0 + sc1 * s1;
      summ += m0 * (x[b].bsums[4 * j] + x[b].bsums[4 * j + 1]) + m1 * (x[b].bsums[4 * j + 2] + x[b].bsums[4 * j + 3]);
      q += 32;
      a += 64;
    }
    sum += x[b].d * fp16_to_f32(w[b].d) * float(sumi) - x[b].d * fp16_to_f32(w[b].dmin) * float(summ);
  }
  return sum;
}
float dot_q6_k_q8_k(const BlockQ6_K* w, const BlockQ8_K* x, int64_t n) {
  float sum = 0;
  for (int64_t b = 0; b < n / QK_K; ++b) {
    int8_t q[QK_K];
    const uint8_t* ql = w[b].ql;
    const uint8_t* qh = w[b].qh;
    for (int c = 0; c < QK_K; c += 128) {
      for (int l = 0; l < 32; ++l) {
        q[c + l + 0] = int8_t(((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
        q[c + l + 32] = int8_t(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
        q[c + l + 64] = int8_t(((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
        q[c + l + 96] = int8_t(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
      }
      ql += 64;
      qh += 32;
    }
    int sumi = 0;
    for (int s = 0; s < 16; ++s) {
      int si = 0;
      for (int l = 0; l < 16; ++l) si += q[16 * s + l] * x[b].qs[16 * s + l];
      sumi += w[b].scales[s] * si;
    }
    sum += fp16_to_f32(w[b].d) * x[b].d * float(sumi);
  }
  return sum;
}
}  // namespace

float vec_dot_ref(GgmlType type, const void* w, const void* act, int64_t n) {
  switch (type) {
    case GgmlType::f32: case GgmlType::f16: case GgmlType::bf16: {
      const float* x = static_cast<const float*>(act);
      double s = 0;
      for (int64_t k = 0; k < n; ++k) {
        float wk = type == GgmlType::f32 ? static_cast<const float*>(w)[k]
                 : type == GgmlType::f16 ? fp16_to_f32(static_cast<const fp16_t*>(w)[k])
                                         : bf16_to_f32(static_cast<const bf16_t*>(w)[k]);
        s += double(wk) * x[k];
      }
      return float(s);
    }
    case GgmlType::q8_0: return dot_q8_0_q8_0(static_cast<const BlockQ8_0*>(w), static_cast<const BlockQ8_0*>(act), n);
    case GgmlType::q4_0: return dot_q4_0_q8_0(static_cast<const BlockQ4_0*>(w), static_cast<const BlockQ8_0*>(act), n);
    case GgmlType::q4_k: return dot_q4_k_q8_k(static_cast<const BlockQ4_K*>(w), static_cast<const BlockQ8_K*>(act), n);
    case GgmlType::q6_k: return dot_q6_k_q8_k(static_cast<const BlockQ6_K*>(w), static_cast<const BlockQ8_K*>(act), n);
  }
  return 0;
}

}  // namespace switchyard::engine
