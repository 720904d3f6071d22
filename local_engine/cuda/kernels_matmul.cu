// Dequantizing matmuls over GGUF weights: a matrix-vector kernel for decode and a tiled
// tensor-core kernel for prefill and batches, both dense or grouped by MoE expert (the
// expert's slot range is read on the device, so routing never goes through the host).
#include <cuda_fp16.h>
#include <mma.h>

#include "local_engine/cuda/chunk_math.h"
#include "local_engine/cuda/kernels.h"

namespace switchyard::engine::cuda {

bool kernel_type_supported(GgmlType t) {
  switch (t) {
    case GgmlType::f32:
    case GgmlType::f16:
    case GgmlType::bf16:
    case GgmlType::q8_0:
    case GgmlType::q4_0:
    case GgmlType::q4_k:
    case GgmlType::q6_k: return true;
  }
  return false;
}

namespace {

constexpr int kMatvecWarps = 4;  // rows per block
constexpr int kMatvecSlots = 8;  // at most this many slots share one read of a weight row

// F32 -> F16 for the tensor cores, saturating: an activation beyond F16's range becomes
// +-65504 instead of inf (and NaN downstream).
__device__ __forceinline__ half to_half_sat(float v) { return __float2half_rn(fminf(fmaxf(v, -65504.f), 65504.f)); }

__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ void slot_range(const MatmulArgs& a, int e, int* s0, int* s1) {
  if (a.expert_offset) {
    *s0 = a.expert_offset[e];
    *s1 = a.expert_offset[e + 1];
  } else {
    *s0 = 0;
    *s1 = a.n;
  }
}

// grid (ceil(rows / kMatvecWarps), n_expert), block 32 * kMatvecWarps.
// NT: slots per pass (1, 2, 4 or 8), picked from n so a single stream keeps few registers.
template <GgmlType T, int NT>
__global__ void __launch_bounds__(32 * kMatvecWarps) matvec_kernel(MatmulArgs a) {
  const int e = blockIdx.y;
  int s0, s1;
  slot_range(a, e, &s0, &s1);
  if (s0 >= s1) return;  // an expert no token chose: its weights are never read
  const int lane = threadIdx.x % 32;
  const int row = blockIdx.x * kMatvecWarps + threadIdx.x / 32;
  if (row >= a.rows) return;
  const uint8_t* wrow = a.w + size_t(e) * a.expert_bytes + size_t(row) * a.row_bytes;
  const int64_t n_chunks = a.cols / kChunk;
  for (int base = s0; base < s1; base += NT) {
    const int cnt = min(NT, s1 - base);
    const float* xs[NT];
#pragma unroll
    for (int t = 0; t < NT; ++t) {
      const int s = base + (t < cnt ? t : 0);
      xs[t] = a.x + int64_t(a.x_index ? a.x_index[s] : s) * a.x_stride;
    }
    float acc[NT];
#pragma unroll
    for (int t = 0; t < NT; ++t) acc[t] = 0.f;
    for (int64_t c = lane; c < n_chunks; c += 32) {
      float wv[kChunk];  // W[row, 32c .. 32c + 32)
      dequant_chunk<T>(wrow, c, wv);
#pragma unroll
      for (int t = 0; t < NT; ++t) {
        if (t >= cnt) break;
        const float4* xp = reinterpret_cast<const float4*>(xs[t] + c * kChunk);
        float s = 0.f;
#pragma unroll
        for (int j = 0; j < kChunk / 4; ++j) {
          const float4 v = __ldg(xp + j);
          s += wv[4 * j] * v.x + wv[4 * j + 1] * v.y + wv[4 * j + 2] * v.z + wv[4 * j + 3] * v.w;
        }
        acc[t] += s;
      }
    }
#pragma unroll
    for (int t = 0; t < NT; ++t) {
      if (t >= cnt) break;
      const float v = warp_sum(acc[t]);
      if (lane == 0) a.y[int64_t(base + t) * a.y_stride + row] = v;
    }
  }
}

// 64 weight rows x 64 slots per block, K in steps of 64 columns (two chunks), 4 warps each
// owning a 32 x 32 quarter as 2 x 2 wmma 16x16 accumulators.
constexpr int kTile = 64;
constexpr int kTileK = 64;
constexpr int kPadH = kTileK + 8;  // F16 row pitch in shared memory (multiple of 8)
constexpr int kPadC = kTile + 4;   // F32 row pitch (multiple of 4)

// grid (ceil(rows / 64), ceil(max slots of one expert / 64), n_expert), block 128.
template <GgmlType T>
__global__ void __launch_bounds__(128) tiled_kernel(MatmulArgs a) {
  using namespace nvcuda;
  const int e = blockIdx.z;
  int s0, s1;
  slot_range(a, e, &s0, &s1);
  const int slot0 = s0 + blockIdx.y * kTile;
  if (slot0 >= s1) return;
  const int n_slots = min(kTile, s1 - slot0);
  const int row0 = blockIdx.x * kTile;
  const int tid = threadIdx.x, warp = tid / 32;

  __shared__ __align__(32) half As[kTile][kPadH];  // F16 [64 rows, 64 k]: weights
  __shared__ __align__(32) half Bs[kTile][kPadH];  // F16 [64 slots, 64 k]: activations
  __shared__ __align__(32) float Cs[kTile][kPadC]; // F32 [64 rows, 64 slots]

  const uint8_t* wbase = a.w + size_t(e) * a.expert_bytes;
  const int64_t n_chunks = a.cols / kChunk;
  // Each thread stages one chunk of one weight row and 32 columns of one slot's activations.
  const int my_row = tid / 2, my_half = tid % 2;
  const bool row_ok = row0 + my_row < a.rows;
  const bool slot_ok = my_row < n_slots;
  const float* xrow = nullptr;
  if (slot_ok) {
    const int s = slot0 + my_row;
    xrow = a.x + int64_t(a.x_index ? a.x_index[s] : s) * a.x_stride;
  }

  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.f);
  const int wr = (warp / 2) * 32, wc = (warp % 2) * 32;

  for (int64_t k0 = 0; k0 < a.cols; k0 += kTileK) {
    const int64_t c = k0 / kChunk + my_half;
    float v[kChunk];
    if (row_ok && c < n_chunks) {
      dequant_chunk<T>(wbase + size_t(row0 + my_row) * a.row_bytes, c, v);
    } else {
#pragma unroll
      for (int j = 0; j < kChunk; ++j) v[j] = 0.f;
    }
#pragma unroll
    for (int j = 0; j < kChunk; ++j) As[my_row][my_half * kChunk + j] = to_half_sat(v[j]);
    if (slot_ok && c < n_chunks) {
      const float4* xp = reinterpret_cast<const float4*>(xrow + c * kChunk);
#pragma unroll
      for (int j = 0; j < kChunk / 4; ++j) {
        const float4 q = __ldg(xp + j);
        half* dst = &Bs[my_row][my_half * kChunk + 4 * j];
        dst[0] = to_half_sat(q.x);
        dst[1] = to_half_sat(q.y);
        dst[2] = to_half_sat(q.z);
        dst[3] = to_half_sat(q.w);
      }
    } else {
#pragma unroll
      for (int j = 0; j < kChunk; ++j) Bs[my_row][my_half * kChunk + j] = __float2half(0.f);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTileK; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, half, wmma::row_major> fa[2];
      wmma::fragment<wmma::matrix_b, 16, 16, 16, half, wmma::col_major> fb[2];
#pragma unroll
      for (int i = 0; i < 2; ++i) wmma::load_matrix_sync(fa[i], &As[wr + 16 * i][kk], kPadH);
#pragma unroll
      for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(fb[j], &Bs[wc + 16 * j][kk], kPadH);
#pragma unroll
      for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j)
      wmma::store_matrix_sync(&Cs[wr + 16 * i][wc + 16 * j], acc[i][j], kPadC, wmma::mem_row_major);
  __syncthreads();
  // Rows vary fastest so consecutive threads write consecutive floats of one output row.
  for (int idx = tid; idx < kTile * kTile; idx += 128) {
    const int t = idx / kTile, r = idx % kTile;
    if (t < n_slots && row0 + r < a.rows) a.y[int64_t(slot0 + t) * a.y_stride + row0 + r] = Cs[r][t];
  }
}

template <template <GgmlType> class Launch>
void dispatch(GgmlType t, const MatmulArgs& a, cudaStream_t s) {
  switch (t) {
    case GgmlType::f32: Launch<GgmlType::f32>::run(a, s); break;
    case GgmlType::f16: Launch<GgmlType::f16>::run(a, s); break;
    case GgmlType::bf16: Launch<GgmlType::bf16>::run(a, s); break;
    case GgmlType::q8_0: Launch<GgmlType::q8_0>::run(a, s); break;
    case GgmlType::q4_0: Launch<GgmlType::q4_0>::run(a, s); break;
    case GgmlType::q4_k: Launch<GgmlType::q4_k>::run(a, s); break;
    case GgmlType::q6_k: Launch<GgmlType::q6_k>::run(a, s); break;
  }
}

template <GgmlType T>
struct MatvecLaunch {
  static void run(const MatmulArgs& a, cudaStream_t s) {
    dim3 grid((a.rows + kMatvecWarps - 1) / kMatvecWarps, a.expert_offset ? a.n_expert : 1);
    const int per_pass = a.n < kMatvecSlots ? a.n : kMatvecSlots;
    if (per_pass <= 1) matvec_kernel<T, 1><<<grid, 32 * kMatvecWarps, 0, s>>>(a);
    else if (per_pass <= 2) matvec_kernel<T, 2><<<grid, 32 * kMatvecWarps, 0, s>>>(a);
    else if (per_pass <= 4) matvec_kernel<T, 4><<<grid, 32 * kMatvecWarps, 0, s>>>(a);
    else matvec_kernel<T, 8><<<grid, 32 * kMatvecWarps, 0, s>>>(a);
  }
};

template <GgmlType T>
struct TiledLaunch {
  static void run(const MatmulArgs& a, cudaStream_t s) {
    dim3 grid((a.rows + kTile - 1) / kTile, (a.n + kTile - 1) / kTile, a.expert_offset ? a.n_expert : 1);
    tiled_kernel<T><<<grid, 128, 0, s>>>(a);
  }
};

}  // namespace

void launch_matvec(const MatmulArgs& a, cudaStream_t stream) {
  if (a.n <= 0 || a.rows <= 0) return;
  dispatch<MatvecLaunch>(a.type, a, stream);
}

void launch_tiled(const MatmulArgs& a, cudaStream_t stream) {
  if (a.n <= 0 || a.rows <= 0) return;
  dispatch<TiledLaunch>(a.type, a, stream);
}

}  // namespace switchyard::engine::cuda
