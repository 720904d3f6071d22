// Scalar reference kernels and the float helpers; also the runtime ISA choice.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string_view>
#include <vector>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#include "local_engine/cpu/kernels.h"
#include "local_engine/cpu_features.h"

namespace switchyard::engine::cpu {

int type_slot(GgmlType t) {
  switch (t) {
    case GgmlType::f32: return 0;
    case GgmlType::f16: return 1;
    case GgmlType::bf16: return 2;
    case GgmlType::q8_0: return 3;
    case GgmlType::q4_0: return 4;
    case GgmlType::q4_k: return 5;
    case GgmlType::q6_k: return 6;
  }
  return 0;
}

namespace {

void gemm_scalar(const WeightMatrix& w, int64_t r0, int64_t r1, const uint8_t* act, size_t act_stride,
                 const int32_t* act_index, int64_t n, float* y, int64_t y_stride) {
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* x = act + size_t(act_index ? act_index[i] : i) * act_stride;
    for (int64_t r = r0; r < r1; ++r) y[i * y_stride + r] = vec_dot_ref(w.type, w.data + size_t(r) * w.row_bytes, x, w.cols);
  }
}

void quantize_q8_0_scalar(const float* x, void* out, int64_t n) { quantize_row_q8_0(x, static_cast<BlockQ8_0*>(out), n); }
void quantize_q8_k_scalar(const float* x, void* out, int64_t n) { quantize_row_q8_k(x, static_cast<BlockQ8_K*>(out), n); }

const KernelSet kScalar = {
    "scalar",
    {gemm_scalar, gemm_scalar, gemm_scalar, gemm_scalar, gemm_scalar, gemm_scalar, gemm_scalar},
    quantize_q8_0_scalar,
    quantize_q8_k_scalar,
};

}  // namespace

const KernelSet& kernels_scalar() { return kScalar; }

const KernelSet& best_kernels() {
  static const KernelSet* best = [] {
    if (const KernelSet* k = kernels_avx512()) return k;
    if (const KernelSet* k = kernels_avx2()) return k;
    return &kScalar;
  }();
  return *best;
}

const KernelSet* kernels_by_name(const char* name) {
  std::string_view n = name ? name : "";
  if (n == "scalar") return &kScalar;
  if (n == "avx2") return kernels_avx2();
  if (n == "avx512") return kernels_avx512();
  return nullptr;
}

void rms_norm(float* out, const float* x, const float* w, int64_t n, float eps) {
  float ss = 0;
  for (int64_t k = 0; k < n; ++k) ss += x[k] * x[k];
  const float scale = 1.0f / std::sqrt(ss / float(n) + eps);
  for (int64_t k = 0; k < n; ++k) out[k] = x[k] * scale * w[k];
}

void softmax(float* x, int64_t n) {
  float max = x[0];
  for (int64_t k = 1; k < n; ++k) max = x[k] > max ? x[k] : max;
  float sum = 0;
  for (int64_t k = 0; k < n; ++k) {
    x[k] = std::exp(x[k] - max);
    sum += x[k];
  }
  const float inv = 1.0f / sum;
  for (int64_t k = 0; k < n; ++k) x[k] *= inv;
}

void swiglu_ref(float* g, const float* u, int64_t n) {
  for (int64_t k = 0; k < n; ++k) g[k] = g[k] / (1.0f + std::exp(-g[k])) * u[k];
}

void rope(float* x, int n_heads, int head_dim, int rope_dim, int pos, float freq_base) {
  // As ggml: theta_scale = base^(-2/rope_dim), theta multiplied up pair by pair.
  const float theta_scale = std::pow(freq_base, -2.0f / float(rope_dim));
  float cosv[512], sinv[512];
  float theta = float(pos);
  const int n_pairs = rope_dim / 2 < 512 ? rope_dim / 2 : 512;
  for (int i = 0; i < n_pairs; ++i) {
    cosv[i] = std::cos(theta);
    sinv[i] = std::sin(theta);
    theta *= theta_scale;
  }
  for (int h = 0; h < n_heads; ++h) {
    float* v = x + int64_t(h) * head_dim;
    for (int i = 0; i < n_pairs; ++i) {
      const float x0 = v[2 * i], x1 = v[2 * i + 1];
      v[2 * i] = x0 * cosv[i] - x1 * sinv[i];
      v[2 * i + 1] = x0 * sinv[i] + x1 * cosv[i];
    }
  }
}

void attention_ref(const float* q, int n_q, int64_t hd, const float* k, const float* v, int64_t kv_stride, int n_pos,
                   float scale, float* out, float* scores) {
  for (int h = 0; h < n_q; ++h) {
    const float* qh = q + h * hd;
    float* s = scores + int64_t(h) * n_pos;
    for (int p = 0; p < n_pos; ++p) {
      float d = 0;
      for (int64_t j = 0; j < hd; ++j) d += qh[j] * k[p * kv_stride + j];
      s[p] = d * scale;
    }
    softmax(s, n_pos);
    float* o = out + h * hd;
    for (int64_t j = 0; j < hd; ++j) o[j] = 0;
    for (int p = 0; p < n_pos; ++p)
      for (int64_t j = 0; j < hd; ++j) o[j] += s[p] * v[p * kv_stride + j];
  }
}

void attention_f16_ref(const float* q, int n_q, int64_t hd, const uint16_t* k, const uint16_t* v, int64_t kv_stride,
                       int n_pos, float scale, float* out, float* scores) {
  std::vector<float> kf(size_t(n_pos) * size_t(hd)), vf(kf.size());
  for (int p = 0; p < n_pos; ++p)
    for (int64_t j = 0; j < hd; ++j) {
      kf[size_t(p * hd + j)] = fp16_to_f32(k[p * kv_stride + j]);
      vf[size_t(p * hd + j)] = fp16_to_f32(v[p * kv_stride + j]);
    }
  attention_ref(q, n_q, hd, kf.data(), vf.data(), hd, n_pos, scale, out, scores);
}

#if defined(__AVX2__) && defined(__FMA__)
namespace {
inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float hmax8(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
// e^x, Cephes expf polynomial, ~1e-7 relative; inputs clamped to [-87.3, 88] (results
// below ~1e-38 flush to ~0, above stay finite).
inline __m256 exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.0f));
  const __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
  __m256 y = _mm256_set1_ps(1.9875691500E-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507E-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073E-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894E-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459E-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201E-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

// Scores of G heads against every position; each K row is loaded once for the G heads.
inline __m256 load8f(const float* p) { return _mm256_loadu_ps(p); }
inline __m256 load8f(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }

template <int G, class T>
void scores_g(const float* q, int64_t hd, const T* k, int64_t kv_stride, int n_pos, float scale, float* scores) {
  for (int p = 0; p < n_pos; ++p) {
    const T* kp = k + p * kv_stride;
    __m256 acc[G];
    for (int h = 0; h < G; ++h) acc[h] = _mm256_setzero_ps();
    for (int64_t j = 0; j < hd; j += 8) {
      const __m256 kv = load8f(kp + j);
      for (int h = 0; h < G; ++h) acc[h] = _mm256_fmadd_ps(_mm256_loadu_ps(q + h * hd + j), kv, acc[h]);
    }
    for (int h = 0; h < G; ++h) scores[int64_t(h) * n_pos + p] = hsum8(acc[h]) * scale;
  }
}

void softmax8(float* x, int n) {
  __m256 m = _mm256_set1_ps(-INFINITY);
  int k = 0;
  for (; k + 8 <= n; k += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + k));
  float max = hmax8(m);
  for (; k < n; ++k) max = x[k] > max ? x[k] : max;
  const __m256 mv = _mm256_set1_ps(max);
  __m256 sv = _mm256_setzero_ps();
  for (k = 0; k + 8 <= n; k += 8) {
    const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + k), mv));
    _mm256_storeu_ps(x + k, e);
    sv = _mm256_add_ps(sv, e);
  }
  float sum = hsum8(sv);
  for (; k < n; ++k) {
    x[k] = std::exp(x[k] - max);
    sum += x[k];
  }
  const __m256 inv = _mm256_set1_ps(1.0f / sum);
  for (k = 0; k + 8 <= n; k += 8) _mm256_storeu_ps(x + k, _mm256_mul_ps(_mm256_loadu_ps(x + k), inv));
  for (; k < n; ++k) x[k] *= 1.0f / sum;
}
}  // namespace

void swiglu(float* g, const float* u, int64_t n) {
  int64_t k = 0;
  const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
  for (; k + 8 <= n; k += 8) {
    const __m256 gv = _mm256_loadu_ps(g + k);
    const __m256 e = exp8(_mm256_sub_ps(zero, gv));
    _mm256_storeu_ps(g + k, _mm256_mul_ps(_mm256_div_ps(gv, _mm256_add_ps(one, e)), _mm256_loadu_ps(u + k)));
  }
  for (; k < n; ++k) g[k] = g[k] / (1.0f + std::exp(-g[k])) * u[k];
}

template <class T>
void attention_simd(const float* q, int n_q, int64_t hd, const T* k, const T* v, int64_t kv_stride, int n_pos, float scale,
                    float* out, float* scores) {
  int h = 0;
  for (; h + 4 <= n_q; h += 4) scores_g<4>(q + h * hd, hd, k, kv_stride, n_pos, scale, scores + int64_t(h) * n_pos);
  for (; h + 2 <= n_q; h += 2) scores_g<2>(q + h * hd, hd, k, kv_stride, n_pos, scale, scores + int64_t(h) * n_pos);
  for (; h < n_q; ++h) scores_g<1>(q + h * hd, hd, k, kv_stride, n_pos, scale, scores + int64_t(h) * n_pos);
  for (h = 0; h < n_q; ++h) softmax8(scores + int64_t(h) * n_pos, n_pos);
  // out_h = sum_p s_hp v_p, 64 output columns (8 registers) at a time.
  for (h = 0; h < n_q; ++h) {
    const float* s = scores + int64_t(h) * n_pos;
    for (int64_t j0 = 0; j0 < hd; j0 += 64) {
      const int nc = int(std::min<int64_t>(64, hd - j0) / 8);
      __m256 acc[8];
      for (int c = 0; c < 8; ++c) acc[c] = _mm256_setzero_ps();
      for (int p = 0; p < n_pos; ++p) {
        const __m256 sp = _mm256_broadcast_ss(s + p);
        const T* vp = v + p * kv_stride + j0;
        for (int c = 0; c < 8; ++c)
          if (c < nc) acc[c] = _mm256_fmadd_ps(sp, load8f(vp + 8 * c), acc[c]);
      }
      for (int c = 0; c < nc; ++c) _mm256_storeu_ps(out + h * hd + j0 + 8 * c, acc[c]);
    }
  }
}

void attention(const float* q, int n_q, int64_t hd, const float* k, const float* v, int64_t kv_stride, int n_pos,
               float scale, float* out, float* scores) {
  if (hd % 8 != 0 || n_pos <= 0) return attention_ref(q, n_q, hd, k, v, kv_stride, n_pos, scale, out, scores);
  attention_simd(q, n_q, hd, k, v, kv_stride, n_pos, scale, out, scores);
}

void attention_f16(const float* q, int n_q, int64_t hd, const uint16_t* k, const uint16_t* v, int64_t kv_stride, int n_pos,
                   float scale, float* out, float* scores) {
  if (hd % 8 != 0 || n_pos <= 0) return attention_f16_ref(q, n_q, hd, k, v, kv_stride, n_pos, scale, out, scores);
  attention_simd(q, n_q, hd, k, v, kv_stride, n_pos, scale, out, scores);
}

void f32_to_f16_row(const float* x, uint16_t* y, int64_t n) {
  int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + k), _mm256_cvtps_ph(_mm256_loadu_ps(x + k), _MM_FROUND_TO_NEAREST_INT));
  for (; k < n; ++k) y[k] = f32_to_fp16(x[k]);
}
#else
void swiglu(float* g, const float* u, int64_t n) { swiglu_ref(g, u, n); }
void attention_f16(const float* q, int n_q, int64_t hd, const uint16_t* k, const uint16_t* v, int64_t kv_stride, int n_pos,
                   float scale, float* out, float* scores) {
  attention_f16_ref(q, n_q, hd, k, v, kv_stride, n_pos, scale, out, scores);
}
void f32_to_f16_row(const float* x, uint16_t* y, int64_t n) {
  for (int64_t k = 0; k < n; ++k) y[k] = f32_to_fp16(x[k]);
}
void attention(const float* q, int n_q, int64_t hd, const float* k, const float* v, int64_t kv_stride, int n_pos,
               float scale, float* out, float* scores) {
  attention_ref(q, n_q, hd, k, v, kv_stride, n_pos, scale, out, scores);
}
#endif

}  // namespace switchyard::engine::cpu
