#include "local_engine/cuda/cuda_matmul.h"

#include "local_engine/cuda/cuda_check.h"
#include "local_engine/cuda/kernels.h"

namespace switchyard::engine::cuda {

namespace {
bool is_float_type(GgmlType t) { return t == GgmlType::f32 || t == GgmlType::f16 || t == GgmlType::bf16; }
}  // namespace

Result<void> dense_matmul(const DeviceContext& ctx, const DevMatrix& w, const float* x, int n, float* y, int64_t y_stride,
                          Path path) {
  if (n <= 0) return {};
  // Float weights: a few tokens go through the matrix-vector kernel (exact F32
  // activations, as the CPU engine uses for them); batches through cuBLAS.
  if (path == Path::automatic && is_float_type(w.type) && n > kMatvecMaxTokens) {
    const float one = 1.f, zero = 0.f;
    const void* b = x;
    cudaDataType_t t = CUDA_R_32F;
    if (w.type != GgmlType::f32) {
      t = w.type == GgmlType::f16 ? CUDA_R_16F : CUDA_R_16BF;
      launch_convert(x, ctx.half_scratch, int64_t(n) * w.cols, w.type == GgmlType::bf16, ctx.stream);
      CUDA_CHECK_LAUNCH("convert");
      b = ctx.half_scratch;
    }
    // cuBLAS is column-major: W (row-major [rows, cols]) is a [cols, rows] matrix with
    // ld = elements per row, x is [cols, n], y is [rows, n] with ld = y_stride; y = W^T x.
    const int lda = int(w.row_bytes / (w.type == GgmlType::f32 ? 4 : 2));
    CUBLAS_CHECK(cublasGemmEx(ctx.blas, CUBLAS_OP_T, CUBLAS_OP_N, w.rows, n, w.cols, &one, w.d, t, lda, b, t, w.cols, &zero, y,
                              CUDA_R_32F, int(y_stride), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    return {};
  }
  MatmulArgs a{w.type, w.d, w.row_bytes, 0, w.rows, w.cols, x, w.cols, nullptr, nullptr, 1, n, y, y_stride};
  const bool matvec = path == Path::matvec || (path == Path::automatic && n <= kMatvecMaxTokens);
  if (matvec) launch_matvec(a, ctx.stream);
  else launch_tiled(a, ctx.stream);
  CUDA_CHECK_LAUNCH("matmul");
  return {};
}

Result<void> grouped_matmul(const DeviceContext& ctx, const DevMatrix& w, const float* x, const int32_t* x_index,
                            const int32_t* expert_offset, int n_tokens, int n_slots, float* y, int64_t y_stride, Path path) {
  if (n_slots <= 0) return {};
  // n_tokens bounds every expert's slot count (a token picks an expert at most once): it
  // sizes the tiled grid and the matrix-vector slots per pass.
  MatmulArgs a{w.type, w.d, w.row_bytes, w.expert_bytes, w.rows, w.cols, x, w.cols, x_index, expert_offset,
               w.n_expert, n_tokens, y, y_stride};
  const bool matvec = path == Path::matvec || (path == Path::automatic && n_tokens <= kMatvecMaxTokens);
  if (matvec) launch_matvec(a, ctx.stream);
  else launch_tiled(a, ctx.stream);
  CUDA_CHECK_LAUNCH("expert matmul");
  return {};
}

}  // namespace switchyard::engine::cuda
