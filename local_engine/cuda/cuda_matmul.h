// Matmul dispatch on the device, shared by the model and the kernel tests: float weights
// through cuBLAS (tensor cores for F16/BF16), quantized ones through the dequantizing
// kernels, matrix-vector for a few tokens and tiled for more.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "local_engine/ggml_type.h"
#include "local_engine/status.h"

namespace switchyard::engine::cuda {

// Up to this many tokens per forward the matrix-vector kernels run (per expert as well:
// a token picks an expert at most once); beyond it the tiled kernel.
constexpr int kMatvecMaxTokens = 8;

// Device weights: one matrix, or n_expert of them expert_bytes apart.
struct DevMatrix {
  GgmlType type = GgmlType::f32;
  int rows = 0, cols = 0;
  size_t row_bytes = 0, expert_bytes = 0;
  int n_expert = 1;
  const uint8_t* d = nullptr;
};

enum class Path { automatic, matvec, tiled };

struct DeviceContext {
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
  void* half_scratch = nullptr;  // F16/BF16 [n, cols] staging for cuBLAS inputs
};

// y: F32 [n, y_stride] = x: F32 [n, w.cols] . W^T (one matrix).
Result<void> dense_matmul(const DeviceContext& ctx, const DevMatrix& w, const float* x, int n, float* y, int64_t y_stride,
                          Path path = Path::automatic);

// Each expert over its slots: expert_offset I32 [n_expert + 1] on the device; slot s reads
// x row x_index[s] (or s); n_tokens picks the kernel; n_slots bounds every expert's count.
Result<void> grouped_matmul(const DeviceContext& ctx, const DevMatrix& w, const float* x, const int32_t* x_index,
                            const int32_t* expert_offset, int n_tokens, int n_slots, float* y, int64_t y_stride,
                            Path path = Path::automatic);

}  // namespace switchyard::engine::cuda
