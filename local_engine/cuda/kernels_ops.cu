// Element-wise and per-row kernels of the forward: embedding, RMSNorm, RoPE + KV store,
// SwiGLU, residual add, F32 -> F16/BF16, and MoE routing / combining.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "local_engine/cuda/chunk_math.h"
#include "local_engine/cuda/kernels.h"

namespace switchyard::engine::cuda {

namespace {

int blocks_for(int64_t count, int threads) {
  const int64_t b = (count + threads - 1) / threads;
  return int(b < 65535 * 16 ? b : 65535 * 16);
}

// grid n, block 128: threads over the row's 32-column chunks.
__global__ void embed_kernel(GgmlType type, const uint8_t* table, size_t row_bytes, const int32_t* tokens, int dim,
                             float* x) {
  const int i = blockIdx.x;
  const uint8_t* row = table + size_t(tokens[i]) * row_bytes;
  float v[kChunk];
  for (int c = threadIdx.x; c < dim / kChunk; c += blockDim.x) {
    dequant_chunk_any(type, row, c, v);
    float* out = x + int64_t(i) * dim + int64_t(c) * kChunk;
    for (int j = 0; j < kChunk; ++j) out[j] = v[j];
  }
}

// Sum over the block (blockDim.x a multiple of 32, <= 1024); every thread gets the total.
__device__ float block_sum(float v, float* shared32) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, n_warps = blockDim.x / 32;
  __syncthreads();  // shared32 may still be read from a previous call
  if (lane == 0) shared32[warp] = v;
  __syncthreads();
  float t = 0.f;
  for (int w = 0; w < n_warps; ++w) t += shared32[w];
  return t;
}

// grid n, block 256.
__global__ void rms_norm_kernel(const float* x, const float* w, const int32_t* rows, int dim, float eps, float* out) {
  __shared__ float red[32];
  const int i = blockIdx.x;
  const float* xr = x + int64_t(rows ? rows[i] : i) * dim;
  float ss = 0.f;
  for (int j = threadIdx.x; j < dim; j += blockDim.x) ss += xr[j] * xr[j];
  ss = block_sum(ss, red);
  const float scale = 1.0f / sqrtf(ss / float(dim) + eps);
  float* o = out + int64_t(i) * dim;
  for (int j = threadIdx.x; j < dim; j += blockDim.x) o[j] = xr[j] * scale * w[j];
}

// grid n, block 128: threads over the (head, pair) of q, then of k (stored to the cache),
// then v's elements (stored).
__global__ void rope_store_kernel(RopeStoreArgs a) {
  const int i = blockIdx.x;
  const int pos = a.pos[i], hd = a.head_dim, half_rope = a.rope_dim / 2;
  const int64_t q_dim = int64_t(a.n_head) * hd, kv_dim = int64_t(a.n_kv_head) * hd;
  float* q = a.q + i * q_dim;
  float* k = a.k + i * kv_dim;
  const float* v = a.v + i * kv_dim;
  const int64_t at = (int64_t(a.seq[i]) * a.n_ctx + pos) * kv_dim;
  for (int t = threadIdx.x; t < a.n_head * (hd / 2); t += blockDim.x) {
    const int h = t / (hd / 2), p = t % (hd / 2);
    if (p >= half_rope) continue;
    const float theta = rope_theta(pos, p, a.theta_scale);
    const float c = cosf(theta), s = sinf(theta);
    float* e = q + int64_t(h) * hd + 2 * p;
    const float x0 = e[0], x1 = e[1];
    e[0] = x0 * c - x1 * s;
    e[1] = x0 * s + x1 * c;
  }
  for (int t = threadIdx.x; t < a.n_kv_head * (hd / 2); t += blockDim.x) {
    const int h = t / (hd / 2), p = t % (hd / 2);
    float* e = k + int64_t(h) * hd + 2 * p;
    float y0 = e[0], y1 = e[1];
    if (p < half_rope) {
      const float theta = rope_theta(pos, p, a.theta_scale);
      const float c = cosf(theta), s = sinf(theta);
      const float x0 = y0, x1 = y1;
      y0 = x0 * c - x1 * s;
      y1 = x0 * s + x1 * c;
      e[0] = y0;
      e[1] = y1;
    }
    const int64_t off = at + int64_t(h) * hd + 2 * p;
    if (a.kv_f16) {
      static_cast<half*>(a.k_cache)[off] = __float2half_rn(y0);
      static_cast<half*>(a.k_cache)[off + 1] = __float2half_rn(y1);
    } else {
      static_cast<float*>(a.k_cache)[off] = y0;
      static_cast<float*>(a.k_cache)[off + 1] = y1;
    }
  }
  for (int t = threadIdx.x; t < kv_dim; t += blockDim.x) {
    if (a.kv_f16) static_cast<half*>(a.v_cache)[at + t] = __float2half_rn(v[t]);
    else static_cast<float*>(a.v_cache)[at + t] = v[t];
  }
}

__global__ void swiglu_kernel(float* g, const float* u, int64_t count) {
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < count; k += int64_t(gridDim.x) * blockDim.x)
    g[k] = g[k] / (1.0f + expf(-g[k])) * u[k];
}

__global__ void add_kernel(float* x, const float* d, int64_t count) {
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < count; k += int64_t(gridDim.x) * blockDim.x)
    x[k] += d[k];
}

__global__ void convert_kernel(const float* x, void* out, int64_t count, bool to_bf16) {
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < count; k += int64_t(gridDim.x) * blockDim.x) {
    if (to_bf16) static_cast<__nv_bfloat16*>(out)[k] = __float2bfloat16_rn(x[k]);
    else static_cast<half*>(out)[k] = __float2half_rn(fminf(fmaxf(x[k], -65504.f), 65504.f));  // saturate, no inf
  }
}

// One block of 256: route every token (threads over tokens), then group slots by expert
// (thread e fills expert e's slots in token order; n_expert is small).
__global__ void route_kernel(RouteArgs a) {
  __shared__ int32_t count[kMaxExperts + 1];
  float probs[kMaxExperts];
  for (int i = threadIdx.x; i < a.n; i += blockDim.x)
    route_token(a.logits + int64_t(i) * a.n_expert, a.n_expert, a.k, probs, a.ids + int64_t(i) * a.k,
                a.weights + int64_t(i) * a.k);
  __syncthreads();
  const int total = a.n * a.k;
  for (int e = threadIdx.x; e < a.n_expert; e += blockDim.x) {
    int c = 0;
    for (int s = 0; s < total; ++s) c += a.ids[s] == e;
    count[e] = c;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    int off = 0;
    for (int e = 0; e < a.n_expert; ++e) {
      const int c = count[e];
      a.expert_offset[e] = off;
      count[e] = off;  // becomes the expert's first slot
      off += c;
    }
    a.expert_offset[a.n_expert] = off;
  }
  __syncthreads();
  for (int e = threadIdx.x; e < a.n_expert; e += blockDim.x) {
    int slot = count[e];
    for (int s = 0; s < total; ++s) {
      if (a.ids[s] != e) continue;
      a.slot_token[slot] = s / a.k;
      a.token_slot[s] = slot;
      ++slot;
    }
  }
}

// grid n, block 256: threads over dim.
__global__ void moe_combine_kernel(float* x, const float* dout, const int32_t* ids, const float* weights,
                                   const int32_t* token_slot, int k, int dim) {
  const int i = blockIdx.x;
  // The token's picks in ascending expert order (k is small: selection by rank).
  int order[kMaxExperts];
  for (int a = 0; a < k; ++a) {
    int rank = 0;
    for (int b = 0; b < k; ++b) rank += ids[i * k + b] < ids[i * k + a];
    order[rank] = a;
  }
  float* xr = x + int64_t(i) * dim;
  for (int j = threadIdx.x; j < dim; j += blockDim.x) {
    float v = xr[j];
    for (int r = 0; r < k; ++r) {
      const int a = order[r];
      v += weights[i * k + a] * dout[int64_t(token_slot[i * k + a]) * dim + j];
    }
    xr[j] = v;
  }
}

}  // namespace

void launch_embed(GgmlType type, const uint8_t* table, size_t row_bytes, const int32_t* tokens, int n, int dim,
                  float* x, cudaStream_t stream) {
  if (n > 0) embed_kernel<<<n, 128, 0, stream>>>(type, table, row_bytes, tokens, dim, x);
}

void launch_rms_norm(const float* x, const float* w, const int32_t* rows, int n, int dim, float eps, float* out,
                     cudaStream_t stream) {
  if (n > 0) rms_norm_kernel<<<n, 256, 0, stream>>>(x, w, rows, dim, eps, out);
}

void launch_rope_store(const RopeStoreArgs& a, cudaStream_t stream) {
  if (a.n > 0) rope_store_kernel<<<a.n, 128, 0, stream>>>(a);
}

void launch_swiglu(float* g, const float* u, int64_t count, cudaStream_t stream) {
  if (count > 0) swiglu_kernel<<<blocks_for(count, 256), 256, 0, stream>>>(g, u, count);
}

void launch_add(float* x, const float* d, int64_t count, cudaStream_t stream) {
  if (count > 0) add_kernel<<<blocks_for(count, 256), 256, 0, stream>>>(x, d, count);
}

void launch_convert(const float* x, void* out, int64_t count, bool to_bf16, cudaStream_t stream) {
  if (count > 0) convert_kernel<<<blocks_for(count, 256), 256, 0, stream>>>(x, out, count, to_bf16);
}

void launch_route(const RouteArgs& a, cudaStream_t stream) {
  if (a.n > 0) route_kernel<<<1, 256, 0, stream>>>(a);
}

void launch_moe_combine(float* x, const float* dout, const int32_t* ids, const float* weights,
                        const int32_t* token_slot, int n, int k, int dim, cudaStream_t stream) {
  if (n > 0) moe_combine_kernel<<<n, 256, 0, stream>>>(x, dout, ids, weights, token_slot, k, dim);
}

}  // namespace switchyard::engine::cuda

namespace switchyard::engine::cuda {

namespace {
// Streams `count` 16-byte words; one add per word keeps the loads alive.
__global__ void read_kernel(const uint4* p, size_t count, unsigned* sink) {
  unsigned acc = 0;
  for (size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x; k < count; k += size_t(gridDim.x) * blockDim.x) {
    const uint4 v = __ldg(p + k);
    acc += v.x ^ v.y ^ v.z ^ v.w;
  }
  if (acc == 0x9e3779b9u) *sink = acc;  // practically never: the compiler cannot drop the loop
}
}  // namespace

void launch_read(const void* p, size_t bytes, unsigned* sink, int n_blocks, cudaStream_t stream) {
  read_kernel<<<n_blocks, 512, 0, stream>>>(static_cast<const uint4*>(p), bytes / 16, sink);
}

}  // namespace switchyard::engine::cuda
