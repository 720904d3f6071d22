// Quant formats: ggml block layouts decoded from hand-built blocks (known values), and
// quantize -> dequantize round trips within stated tolerances.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "local_engine/quant.h"
#include "support/random_data.h"

using namespace switchyard::engine;

using test::random_vec;

namespace {
double rms(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  return std::sqrt(s / double(v.size()));
}
double rms_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t k = 0; k < a.size(); ++k) s += double(a[k] - b[k]) * (a[k] - b[k]);
  return std::sqrt(s / double(a.size()));
}
}  // namespace

TEST_CASE("quant: fp16 and bf16 conversions", "[quant]") {
  CHECK(fp16_to_f32(0x3C00) == 1.0f);
  CHECK(fp16_to_f32(0xC000) == -2.0f);
  CHECK(fp16_to_f32(0x3555) == Approx(0.333251953125f));
  CHECK(f32_to_fp16(1.0f) == 0x3C00);
  CHECK(f32_to_fp16(65504.f) == 0x7BFF);
  CHECK(fp16_to_f32(0x0001) == Approx(5.96046448e-8f));  // subnormal
  for (float x : {0.1f, -3.7f, 1000.5f, 1e-4f}) CHECK(fp16_to_f32(f32_to_fp16(x)) == Approx(x).epsilon(1e-3));
  CHECK(bf16_to_f32(0x3F80) == 1.0f);
  CHECK(f32_to_bf16(1.0f) == 0x3F80);
  CHECK(bf16_to_f32(f32_to_bf16(3.14159f)) == Approx(3.14159f).epsilon(4e-3));
}

TEST_CASE("quant: Q8_0 and Q4_0 blocks decode as ggml lays them out", "[quant]") {
  BlockQ8_0 q8{};
  q8.d = f32_to_fp16(0.5f);
  for (int j = 0; j < 32; ++j) q8.qs[j] = int8_t(j - 16);
  float y[32];
  dequantize_row_q8_0(&q8, y, 32);
  for (int j = 0; j < 32; ++j) CHECK(y[j] == 0.5f * float(j - 16));

  BlockQ4_0 q4{};
  q4.d = f32_to_fp16(2.0f);
  for (int j = 0; j < 16; ++j) q4.qs[j] = uint8_t(j | ((15 - j) << 4));  // low nibbles = first 16
  dequantize_row_q4_0(&q4, y, 32);
  for (int j = 0; j < 16; ++j) {
    CHECK(y[j] == 2.0f * float(j - 8));
    CHECK(y[j + 16] == 2.0f * float(15 - j - 8));
  }
}

TEST_CASE("quant: Q4_K block decodes with 6-bit scales and mins", "[quant]") {
  BlockQ4_K b{};
  b.d = f32_to_fp16(1.0f);
  b.dmin = f32_to_fp16(0.5f);
  // sub-block j: scale j+1 (for j >= 4 use the split 4+2 bit encoding), min 2j
  uint8_t sc[8] = {1, 2, 3, 4, 37, 50, 63, 18}, mn[8] = {0, 2, 4, 6, 40, 10, 61, 33};
  for (int j = 0; j < 4; ++j) { b.scales[j] = sc[j]; b.scales[j + 4] = mn[j]; }
  for (int j = 4; j < 8; ++j) {
    b.scales[j + 4] = uint8_t((sc[j] & 0xF) | ((mn[j] & 0xF) << 4));
    b.scales[j - 4] |= uint8_t((sc[j] >> 4) << 6);
    b.scales[j] |= uint8_t((mn[j] >> 4) << 6);
  }
  for (int l = 0; l < 128; ++l) b.qs[l] = uint8_t((l % 16) | (((l + 3) % 16) << 4));
  float y[256];
  dequantize_row_q4_k(&b, y, 256);
  for (int chunk = 0; chunk < 4; ++chunk)
    for (int l = 0; l < 32; ++l) {
      int qlo = (chunk * 32 + l) % 16, qhi = (chunk * 32 + l + 3) % 16;
      CHECK(y[chunk * 64 + l] == Approx(1.0f * sc[2 * chunk] * qlo - 0.5f * mn[2 * chunk]));
      CHECK(y[chunk * 64 + 32 + l] == Approx(1.0f * sc[2 * chunk + 1] * qhi - 0.5f * mn[2 * chunk + 1]));
    }
}

TEST_CASE("quant: Q6_K block decodes ql/qh/scales", "[quant]") {
  BlockQ6_K b{};
  b.d = f32_to_fp16(0.25f);
  for (int s = 0; s < 16; ++s) b.scales[s] = int8_t(s - 8);
  // Choose 6-bit values L[k] = k % 64, pack as ggml does.
  for (int half = 0; half < 2; ++half)
    for (int l = 0; l < 32; ++l) {
      int base = half * 128;
      auto L = [&](int k) { return uint8_t((base + k) % 64); };
      b.ql[half * 64 + l] = uint8_t((L(l) & 0xF) | ((L(l + 64) & 0xF) << 4));
      b.ql[half * 64 + l + 32] = uint8_t((L(l + 32) & 0xF) | ((L(l + 96) & 0xF) << 4));
      b.qh[half * 32 + l] = uint8_t((L(l) >> 4) | ((L(l + 32) >> 4) << 2) | ((L(l + 64) >> 4) << 4) | ((L(l + 96) >> 4) << 6));
    }
  float y[256];
  dequantize_row_q6_k(&b, y, 256);
  for (int k = 0; k < 256; ++k) CHECK(y[k] == Approx(0.25f * float(k / 16 - 8) * float(k % 64 - 32)));
}

TEST_CASE("quant: quantize -> dequantize round trip within tolerance", "[quant]") {
  // Relative RMS error bounds for N(0,1) data: 8-bit ~0.5%, Q6_K ~3%, 4-bit ~12%.
  auto [type, tol] = GENERATE(table<GgmlType, double>({
      {GgmlType::f32, 0.0}, {GgmlType::f16, 1e-3}, {GgmlType::bf16, 5e-3}, {GgmlType::q8_0, 0.01},
      {GgmlType::q6_k, 0.04}, {GgmlType::q4_0, 0.15}, {GgmlType::q4_k, 0.15}}));
  const int64_t n = 1024;
  auto x = random_vec(n, 7);
  std::vector<uint8_t> q(*ggml_row_size(type, n));
  quantize_row(type, x.data(), q.data(), n);
  std::vector<float> y(n);
  dequantize_row(type, q.data(), y.data(), n);
  INFO(ggml_type_name(type) << " rel rms err " << rms_diff(x, y) / rms(x));
  CHECK(rms_diff(x, y) <= tol * rms(x) + 1e-12);
}

TEST_CASE("quant: Q8_K activations and reference dots agree with dequantized math", "[quant]") {
  const int64_t n = 512;
  auto xa = random_vec(n, 11);
  std::vector<BlockQ8_K> a(n / QK_K);
  quantize_row_q8_k(xa.data(), a.data(), n);
  std::vector<float> ad(n);
  dequantize_row_q8_k(a.data(), ad.data(), n);
  CHECK(rms_diff(xa, ad) < 0.01 * rms(xa));
  for (auto& blk : a)
    for (int g = 0; g < 16; ++g) {
      int s = 0;
      for (int j = 0; j < 16; ++j) s += blk.qs[16 * g + j];
      CHECK(blk.bsums[g] == s);
    }
  // vec_dot_ref(w, quantized a) == sum(dequant(w) * dequant(a)) up to float rounding.
  for (GgmlType t : {GgmlType::q8_0, GgmlType::q4_0, GgmlType::q4_k, GgmlType::q6_k, GgmlType::f16, GgmlType::bf16}) {
    auto w = random_vec(n, 99);
    std::vector<uint8_t> wq(*ggml_row_size(t, n));
    quantize_row(t, w.data(), wq.data(), n);
    std::vector<float> wd(n);
    dequantize_row(t, wq.data(), wd.data(), n);
    ActType at = act_type_for(t);
    std::vector<uint8_t> xq(act_row_bytes(at, n));
    quantize_act_row(at, xa.data(), xq.data(), n);
    std::vector<float> xd(n);
    if (at == ActType::q8_0) dequantize_row_q8_0(reinterpret_cast<BlockQ8_0*>(xq.data()), xd.data(), n);
    else if (at == ActType::q8_k) dequantize_row_q8_k(reinterpret_cast<BlockQ8_K*>(xq.data()), xd.data(), n);
    else xd = xa;
    double expect = 0;
    for (int64_t k = 0; k < n; ++k) expect += double(wd[k]) * xd[k];
    INFO(ggml_type_name(t));
    CHECK(vec_dot_ref(t, wq.data(), xq.data(), n) == Approx(expect).epsilon(1e-4).margin(1e-3));
  }
}
