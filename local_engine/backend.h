// The math the model needs, behind one small interface: a CPU backend now, CUDA later.
// Weights stay in their GGUF type; activations are quantized once per matmul input to the
// weight type's activation format (act_type_for) and shared by every matmul reading it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "local_engine/gguf.h"
#include "local_engine/quant.h"

namespace switchyard::engine {

// One 2-D weight: type [rows, cols] (ggml ne0 = cols), rows contiguous, row_bytes apart.
struct WeightMatrix {
  GgmlType type = GgmlType::f32;
  int64_t rows = 0;         // output features
  int64_t cols = 0;         // input features
  const uint8_t* data = nullptr;
  size_t row_bytes = 0;
};

// y[i * y_stride + r] = W[r, :] . x_i for i < n, r < w.rows, where x_i is activation row
// act_index ? act_index[i] : i, each row act_row_bytes(act_type_for(w.type), w.cols) long,
// act_stride bytes apart.
struct MatmulJob {
  WeightMatrix w;
  const uint8_t* act = nullptr;
  size_t act_stride = 0;
  const int32_t* act_index = nullptr;
  int64_t n = 0;
  float* y = nullptr;       // F32 [n, y_stride]
  int64_t y_stride = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual int n_threads() const = 0;
  // x: F32 [n, cols] -> out: n rows of act_row_bytes(t, cols) bytes.
  virtual void quantize_rows(ActType t, const float* x, int64_t n, int64_t cols, uint8_t* out) = 0;
  // Runs all jobs in one parallel dispatch (e.g. Q, K and V; or every expert's gate and up).
  virtual void matmul(std::span<const MatmulJob> jobs) = 0;
  // fn(begin, end) over a split of [0, n) across the backend's threads.
  virtual void parallel_for(int64_t n, const std::function<void(int64_t begin, int64_t end)>& fn) = 0;
};

struct CpuBackendParams {
  int n_threads = 0;           // 0 = all hardware threads
  const char* isa = nullptr;   // force "scalar", "avx2" or "avx512"; null = best available
};
std::unique_ptr<Backend> make_cpu_backend(const CpuBackendParams& params = {});

}  // namespace switchyard::engine
