// CUDA / cuBLAS status -> engine Error, and the checking macros for code on the request
// path (DESIGN.md: CUDA_CHECK / CUBLAS_CHECK as in llm.c and ggml-cuda), which return the
// error instead of aborting.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

#include "local_engine/status.h"

namespace switchyard::engine::cuda {

inline Error cuda_error(const char* what, cudaError_t e) {
  return Error{std::string("CUDA error in ") + what + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")"};
}
inline Error cublas_error(const char* what, cublasStatus_t s) {
  return Error{std::string("cuBLAS error in ") + what + ": " + cublasGetStatusName(s) + " (" + cublasGetStatusString(s) + ")"};
}

}  // namespace switchyard::engine::cuda

#define CUDA_CHECK(expr)                                                              \
  do {                                                                                \
    const cudaError_t cuda_check_e_ = (expr);                                         \
    if (cuda_check_e_ != cudaSuccess)                                                 \
      return std::unexpected(::switchyard::engine::cuda::cuda_error(#expr, cuda_check_e_)); \
  } while (0)

#define CUBLAS_CHECK(expr)                                                              \
  do {                                                                                  \
    const cublasStatus_t cublas_check_s_ = (expr);                                      \
    if (cublas_check_s_ != CUBLAS_STATUS_SUCCESS)                                       \
      return std::unexpected(::switchyard::engine::cuda::cublas_error(#expr, cublas_check_s_)); \
  } while (0)

// After a kernel launch: a bad launch configuration shows up here at once.
#define CUDA_CHECK_LAUNCH(name)                                                         \
  do {                                                                                  \
    const cudaError_t cuda_launch_e_ = cudaGetLastError();                              \
    if (cuda_launch_e_ != cudaSuccess)                                                  \
      return std::unexpected(::switchyard::engine::cuda::cuda_error(name, cuda_launch_e_)); \
  } while (0)
