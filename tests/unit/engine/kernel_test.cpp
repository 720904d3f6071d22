// SIMD kernels (AVX2, AVX-512 when the CPU has it) against the scalar reference on random
// inputs, for every weight type, odd shapes, gathered activation rows; float helpers
// against naive formulas; the thread pool.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <random>

#include "local_engine/backend.h"
#include "local_engine/cpu/kernels.h"
#include "local_engine/quant.h"
#include "support/random_data.h"
#include "local_engine/thread_pool.h"

using namespace switchyard::engine;

using test::random_vec;

namespace {
}  // namespace

TEST_CASE("kernel: SIMD gemm matches the scalar reference for every type", "[kernel]") {
  const char* isa = GENERATE("avx2", "avx512");
  const cpu::KernelSet* k = cpu::kernels_by_name(isa);
  if (!k) {
    WARN("CPU lacks " << isa << ": skipped");
    return;
  }
  GgmlType type = GENERATE(GgmlType::f32, GgmlType::f16, GgmlType::bf16, GgmlType::q8_0, GgmlType::q4_0, GgmlType::q4_k,
                           GgmlType::q6_k);
  INFO(isa << " " << ggml_type_name(type));
  const int64_t cols = 512, rows = 23, n = 7;  // odd rows/tokens exercise the tile edges
  std::vector<uint8_t> wbytes(*ggml_row_size(type, cols) * rows);
  auto wf = random_vec(size_t(rows * cols), 3);
  for (int64_t r = 0; r < rows; ++r) quantize_row(type, &wf[size_t(r * cols)], &wbytes[size_t(r) * *ggml_row_size(type, cols)], cols);
  WeightMatrix w{type, rows, cols, wbytes.data(), *ggml_row_size(type, cols)};
  ActType at = act_type_for(type);
  const size_t rb = act_row_bytes(at, cols);
  const int64_t n_act = 9;
  auto xf = random_vec(size_t(n_act * cols), 5);
  std::vector<uint8_t> act(rb * n_act);
  for (int64_t i = 0; i < n_act; ++i) quantize_act_row(at, &xf[size_t(i * cols)], &act[size_t(i) * rb], cols);
  std::vector<int32_t> index = {8, 0, 3, 3, 5, 1, 7};
  for (bool gather : {false, true}) {
    std::vector<float> ref(size_t(n * rows)), got(size_t(n * rows), -1.f);
    const int32_t* idx = gather ? index.data() : nullptr;
    cpu::kernels_scalar().gemm[cpu::type_slot(type)](w, 0, rows, act.data(), rb, idx, n, ref.data(), rows);
    // Two row ranges, as the backend splits work.
    k->gemm[cpu::type_slot(type)](w, 0, 9, act.data(), rb, idx, n, got.data(), rows);
    k->gemm[cpu::type_slot(type)](w, 9, rows, act.data(), rb, idx, n, got.data(), rows);
    // Integer block sums are exact; only the float accumulation order differs.
    for (size_t j = 0; j < ref.size(); ++j) REQUIRE(got[j] == Approx(ref[j]).epsilon(1e-4).margin(2e-3));
  }
}

TEST_CASE("kernel: Q8_0/Q4_0 gemm with an odd block count and every token-tile remainder", "[kernel]") {
  const char* isa = GENERATE("avx2", "avx512");
  const cpu::KernelSet* k = cpu::kernels_by_name(isa);
  if (!k) {
    WARN("CPU lacks " << isa << ": skipped");
    return;
  }
  GgmlType type = GENERATE(GgmlType::q8_0, GgmlType::q4_0);
  const int64_t cols = 32 * 17, rows = 13;  // 17 blocks: the 512-bit kernel's two-block loop plus a tail
  const size_t wrb = *ggml_row_size(type, cols);
  std::vector<uint8_t> wbytes(wrb * rows);
  auto wf = random_vec(size_t(rows * cols), 11);
  for (int64_t r = 0; r < rows; ++r) quantize_row(type, &wf[size_t(r * cols)], &wbytes[size_t(r) * wrb], cols);
  WeightMatrix w{type, rows, cols, wbytes.data(), wrb};
  const ActType at = act_type_for(type);
  const size_t rb = act_row_bytes(at, cols);
  for (int64_t n = 1; n <= 13; ++n) {
    INFO(isa << " " << ggml_type_name(type) << " n=" << n);
    auto xf = random_vec(size_t(n * cols), uint32_t(100 + n));
    std::vector<uint8_t> act(rb * size_t(n));
    for (int64_t i = 0; i < n; ++i) quantize_act_row(at, &xf[size_t(i * cols)], &act[size_t(i) * rb], cols);
    std::vector<int32_t> reversed(static_cast<size_t>(n));  // gathered rows (MoE slots), through the prepared-pairs path too
    for (int64_t i = 0; i < n; ++i) reversed[size_t(i)] = int32_t(n - 1 - i);
    for (const int32_t* idx : {static_cast<const int32_t*>(nullptr), static_cast<const int32_t*>(reversed.data())}) {
      std::vector<float> ref(size_t(n * rows)), got(size_t(n * rows), -1.f);
      cpu::kernels_scalar().gemm[cpu::type_slot(type)](w, 0, rows, act.data(), rb, idx, n, ref.data(), rows);
      k->gemm[cpu::type_slot(type)](w, 0, rows, act.data(), rb, idx, n, got.data(), rows);
      for (size_t j = 0; j < ref.size(); ++j) REQUIRE(got[j] == Approx(ref[j]).epsilon(1e-4).margin(2e-3));
    }
  }
}

TEST_CASE("kernel: backend matmul splits jobs across threads like one big gemm", "[kernel]") {
  auto be = make_cpu_backend({2, nullptr});
  const int64_t cols = 256, rows = 300, n = 5;
  std::vector<uint8_t> wbytes(*ggml_row_size(GgmlType::q8_0, cols) * rows);
  auto wf = random_vec(size_t(rows * cols), 8);
  const size_t wrb = *ggml_row_size(GgmlType::q8_0, cols);
  for (int64_t r = 0; r < rows; ++r) quantize_row(GgmlType::q8_0, &wf[size_t(r * cols)], &wbytes[size_t(r) * wrb], cols);
  WeightMatrix w{GgmlType::q8_0, rows, cols, wbytes.data(), wrb};
  auto xf = random_vec(size_t(n * cols), 9);
  const size_t rb = act_row_bytes(ActType::q8_0, cols);
  std::vector<uint8_t> act(rb * n);
  be->quantize_rows(ActType::q8_0, xf.data(), n, cols, act.data());
  std::vector<float> y(size_t(n * rows));
  MatmulJob job{w, act.data(), rb, nullptr, n, y.data(), rows};
  be->matmul({&job, 1});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t r = 0; r < rows; ++r)
      REQUIRE(y[size_t(i * rows + r)] ==
              Approx(vec_dot_ref(GgmlType::q8_0, &wbytes[size_t(r) * wrb], &act[size_t(i) * rb], cols)).epsilon(1e-4).margin(2e-3));
}

TEST_CASE("kernel: rms_norm, softmax, swiglu and rope against naive formulas", "[kernel]") {
  auto x = random_vec(64, 1);
  auto w = random_vec(64, 2);
  std::vector<float> out(64);
  cpu::rms_norm(out.data(), x.data(), w.data(), 64, 1e-5f);
  double ss = 0;
  for (float v : x) ss += double(v) * v;
  for (int k = 0; k < 64; ++k) CHECK(out[size_t(k)] == Approx(x[size_t(k)] / std::sqrt(ss / 64 + 1e-5) * w[size_t(k)]).epsilon(1e-5));

  auto s = random_vec(10, 3);
  auto s2 = s;
  cpu::softmax(s2.data(), 10);
  double z = 0;
  for (float v : s) z += std::exp(double(v));
  for (int k = 0; k < 10; ++k) CHECK(s2[size_t(k)] == Approx(std::exp(double(s[size_t(k)])) / z).epsilon(1e-5));

  auto g = random_vec(16, 4), u = random_vec(16, 5);
  auto g2 = g;
  cpu::swiglu(g2.data(), u.data(), 16);
  for (int k = 0; k < 16; ++k) CHECK(g2[size_t(k)] == Approx(g[size_t(k)] / (1 + std::exp(-double(g[size_t(k)]))) * u[size_t(k)]).epsilon(1e-5));

  // 2 heads of 8, rope_dim 6 (last pair untouched), pos 5, base 10000: adjacent pairs.
  auto r = random_vec(16, 6);
  auto r2 = r;
  cpu::rope(r2.data(), 2, 8, 6, 5, 10000.f);
  for (int h = 0; h < 2; ++h)
    for (int i = 0; i < 4; ++i) {
      double a = r[size_t(h * 8 + 2 * i)], b = r[size_t(h * 8 + 2 * i + 1)];
      double th = 5 * std::pow(10000.0, -2.0 * i / 6);
      double ea = i < 3 ? a * std::cos(th) - b * std::sin(th) : a;
      double eb = i < 3 ? a * std::sin(th) + b * std::cos(th) : b;
      CHECK(r2[size_t(h * 8 + 2 * i)] == Approx(ea).margin(1e-5));
      CHECK(r2[size_t(h * 8 + 2 * i + 1)] == Approx(eb).margin(1e-5));
    }
}

TEST_CASE("kernel: thread pool runs every task exactly once, many times over", "[kernel]") {
  ThreadPool pool(3);
  CHECK(pool.size() == 3);
  for (int rep = 0; rep < 200; ++rep) {
    std::vector<std::atomic<int>> hits(size_t(37 + rep % 5));
    pool.run(int64_t(hits.size()), [&](int64_t t, int) { hits[size_t(t)]++; });
    for (auto& h : hits) REQUIRE(h.load() == 1);
  }
}

TEST_CASE("kernel: SIMD Q8_0 activation quantization is bit-exact with the reference", "[kernel]") {
  const char* isa = GENERATE("avx2", "avx512");
  const cpu::KernelSet* k = cpu::kernels_by_name(isa);
  if (!k) {
    WARN("CPU lacks " << isa << ": skipped");
    return;
  }
  const int64_t n = 32 * 40;
  auto x = random_vec(size_t(n), 21);
  for (int64_t j = 0; j < 32; ++j) x[size_t(j)] = 0.f;                        // all-zero block: d = 0
  for (int64_t j = 32; j < 64; ++j) x[size_t(j)] = float(j - 48) * 0.5f;      // exact .5 ties (ties away from zero)
  for (int64_t j = 64; j < 96; ++j) x[size_t(j)] *= 1e4f;                    // large magnitudes
  for (int64_t j = 96; j < 128; ++j) x[size_t(j)] *= 1e-6f;                  // tiny scales (F16 subnormal d)
  std::vector<uint8_t> ref(act_row_bytes(ActType::q8_0, n)), got(ref.size(), 0xAB);
  quantize_row_q8_0(x.data(), reinterpret_cast<BlockQ8_0*>(ref.data()), n);
  k->quantize_q8_0(x.data(), got.data(), n);
  REQUIRE(got == ref);
}

TEST_CASE("kernel: SIMD attention matches the reference for GQA groups and odd lengths", "[kernel]") {
  const int64_t hd = GENERATE(64, 128, 40);
  const int n_q = GENERATE(1, 2, 3, 4, 8);
  const int n_pos = GENERATE(1, 7, 33, 200);
  INFO("hd " << hd << " n_q " << n_q << " n_pos " << n_pos);
  const int64_t kv_stride = hd * 3;  // K/V rows of other heads lie between positions
  auto q = random_vec(size_t(n_q * hd), 31);
  auto k = random_vec(size_t(n_pos * kv_stride), 32);
  auto v = random_vec(size_t(n_pos * kv_stride), 33);
  const float scale = 1.0f / std::sqrt(float(hd));
  std::vector<float> ref(size_t(n_q * hd)), got(ref.size(), -1.f), s1(size_t(n_q * n_pos)), s2(s1.size());
  cpu::attention_ref(q.data(), n_q, hd, k.data(), v.data(), kv_stride, n_pos, scale, ref.data(), s1.data());
  cpu::attention(q.data(), n_q, hd, k.data(), v.data(), kv_stride, n_pos, scale, got.data(), s2.data());
  for (size_t j = 0; j < ref.size(); ++j) REQUIRE(got[j] == Approx(ref[j]).epsilon(1e-4).margin(1e-5));
}

TEST_CASE("kernel: SIMD SwiGLU matches the reference, including saturated inputs", "[kernel]") {
  const int64_t n = 1000;  // not a multiple of 8: the scalar tail too
  auto g = random_vec(size_t(n), 41), u = random_vec(size_t(n), 42);
  for (int64_t k = 0; k < n; ++k) g[size_t(k)] *= 4.f;
  g[3] = 100.f, g[4] = -100.f, g[5] = 0.f, g[6] = 88.5f, g[7] = -90.f;
  auto ref = g, got = g;
  cpu::swiglu_ref(ref.data(), u.data(), n);
  cpu::swiglu(got.data(), u.data(), n);
  for (size_t k = 0; k < size_t(n); ++k) {
    INFO("k " << k << " g " << g[k]);
    REQUIRE(std::isfinite(got[k]));
    REQUIRE(got[k] == Approx(ref[k]).epsilon(1e-5).margin(1e-30));
  }
}

TEST_CASE("kernel: SIMD attention over an F16 KV cache matches its reference", "[kernel]") {
  const int64_t hd = GENERATE(64, 40);
  const int n_q = GENERATE(1, 4, 3);
  const int n_pos = GENERATE(1, 9, 150);
  INFO("hd " << hd << " n_q " << n_q << " n_pos " << n_pos);
  const int64_t kv_stride = hd * 2;
  auto q = random_vec(size_t(n_q * hd), 51);
  auto kf = random_vec(size_t(n_pos * kv_stride), 52), vf = random_vec(size_t(n_pos * kv_stride), 53);
  std::vector<uint16_t> k(kf.size()), v(vf.size());
  cpu::f32_to_f16_row(kf.data(), k.data(), int64_t(kf.size()));
  cpu::f32_to_f16_row(vf.data(), v.data(), int64_t(vf.size()));
  for (size_t j = 0; j < kf.size(); ++j) REQUIRE(k[j] == f32_to_fp16(kf[j]));  // same rounding as the reference
  const float scale = 1.0f / std::sqrt(float(hd));
  std::vector<float> ref(size_t(n_q * hd)), got(ref.size(), -1.f), s1(size_t(n_q * n_pos)), s2(s1.size());
  cpu::attention_f16_ref(q.data(), n_q, hd, k.data(), v.data(), kv_stride, n_pos, scale, ref.data(), s1.data());
  cpu::attention_f16(q.data(), n_q, hd, k.data(), v.data(), kv_stride, n_pos, scale, got.data(), s2.data());
  for (size_t j = 0; j < ref.size(); ++j) REQUIRE(got[j] == Approx(ref[j]).epsilon(1e-4).margin(1e-5));
}
