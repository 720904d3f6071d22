// Helpers of the [gpu] tests: random data, quantized weight matrices, error measures.
#pragma once

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "local_engine/backend.h"
#include "local_engine/quant.h"
#include "support/random_data.h"

namespace gpu_test {

using namespace switchyard::engine;
using test::random_vec;


// A [rows, cols] matrix of random weights stored in type t (owning its bytes).
struct OwnedMatrix {
  std::vector<uint8_t> bytes;
  WeightMatrix w;
  std::vector<float> dequant;  // F32 [rows, cols]: exactly what the stored weights mean
};

inline OwnedMatrix random_matrix(GgmlType t, int64_t rows, int64_t cols, uint32_t seed) {
  OwnedMatrix m;
  const size_t rb = *ggml_row_size(t, cols);
  const auto f = random_vec(size_t(rows * cols), seed, 0.5f);
  for (int64_t r = 0; r < rows; ++r) {
    const auto row = test::encode_row(t, f.data() + r * cols, cols);
    m.bytes.insert(m.bytes.end(), row.begin(), row.end());
  }
  m.w = WeightMatrix{t, rows, cols, m.bytes.data(), rb};
  m.dequant.resize(size_t(rows * cols));
  for (int64_t r = 0; r < rows; ++r) dequantize_row(t, m.bytes.data() + size_t(r) * rb, m.dequant.data() + r * cols, cols);
  return m;
}

// y: F32 [n, rows] = x . W^T in double precision over the dequantized weights.
inline std::vector<float> exact_matmul(const OwnedMatrix& m, const std::vector<float>& x, int n) {
  const int64_t rows = m.w.rows, cols = m.w.cols;
  std::vector<float> y(size_t(n * rows));
  for (int i = 0; i < n; ++i)
    for (int64_t r = 0; r < rows; ++r) {
      double s = 0;
      for (int64_t k = 0; k < cols; ++k) s += double(m.dequant[size_t(r * cols + k)]) * x[size_t(i * cols + k)];
      y[size_t(i * rows + r)] = float(s);
    }
  return y;
}

// The CPU backend's answer (activations quantized to the weight type's format, as the
// CPU engine runs it).
inline std::vector<float> cpu_matmul(const OwnedMatrix& m, const std::vector<float>& x, int n) {
  auto be = make_cpu_backend({2, nullptr});
  const ActType at = act_type_for(m.w.type);
  std::vector<uint8_t> act(act_row_bytes(at, m.w.cols) * size_t(n));
  be->quantize_rows(at, x.data(), n, m.w.cols, act.data());
  std::vector<float> y(size_t(n) * size_t(m.w.rows));
  MatmulJob job{m.w, act.data(), act_row_bytes(at, m.w.cols), nullptr, n, y.data(), m.w.rows};
  be->matmul({&job, 1});
  return y;
}

// max |a - b| / rms(b): one number, scale-free, for tolerances stated per type.
inline double rel_max_err(const std::vector<float>& a, const std::vector<float>& b) {
  double ss = 0, mx = 0;
  for (size_t k = 0; k < b.size(); ++k) {
    ss += double(b[k]) * b[k];
    mx = std::max(mx, std::fabs(double(a[k]) - b[k]));
  }
  const double rms = std::sqrt(ss / double(b.size()));
  return rms > 0 ? mx / rms : mx;
}

}  // namespace gpu_test
