// Scalar reference kernels and the float helpers; also the runtime ISA choice.
#include <cmath>
#include <cstring>
#include <string_view>

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

void swiglu(float* g, const float* u, int64_t n) {
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

}  // namespace switchyard::engine::cpu
