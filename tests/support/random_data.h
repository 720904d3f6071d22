// Random test data shared by the engine's CPU and GPU tests: normal floats, and weight rows
// stored in any supported GGUF type.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "local_engine/quant.h"

namespace test {

inline std::vector<float> random_vec(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = nd(rng);
  return v;
}

// x (a multiple of the type's block size long) stored as one row of type t.
inline std::vector<uint8_t> encode_row(switchyard::engine::GgmlType t, const float* x, int64_t n) {
  using namespace switchyard::engine;
  std::vector<uint8_t> row(*ggml_row_size(t, n));
  if (t == GgmlType::f32) {
    std::memcpy(row.data(), x, row.size());
  } else if (t == GgmlType::f16 || t == GgmlType::bf16) {
    for (int64_t k = 0; k < n; ++k) {
      const uint16_t h = t == GgmlType::f16 ? f32_to_fp16(x[k]) : f32_to_bf16(x[k]);
      std::memcpy(row.data() + 2 * k, &h, 2);
    }
  } else {
    quantize_row(t, x, row.data(), n);
  }
  return row;
}

}  // namespace test
