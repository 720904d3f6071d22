// Causal attention over the GPU KV cache, split-K ("flash decoding"): each block takes one
// (query head, token, split of positions), keeps a running max / sum / output over tiles
// of 128 positions (online softmax, so a split can be any length), and a second kernel
// merges the splits. Decode with one token and a long context still fills the GPU.
#include <cuda_fp16.h>

#include <cmath>

#include "local_engine/cuda/chunk_math.h"
#include "local_engine/cuda/kernels.h"

namespace switchyard::engine::cuda {

namespace {

constexpr int kThreads = 128;
constexpr int kTilePos = 128;

__device__ __forceinline__ float load_kv(const float* p) { return __ldg(p); }
__device__ __forceinline__ float load_kv(const half* p) { return __half2float(p[0]); }

__device__ float block_reduce(float v, bool is_max, float* shared32) {
  for (int o = 16; o > 0; o >>= 1) {
    const float u = __shfl_xor_sync(0xffffffffu, v, o);
    v = is_max ? fmaxf(v, u) : v + u;
  }
  __syncthreads();
  if (threadIdx.x % 32 == 0) shared32[threadIdx.x / 32] = v;
  __syncthreads();
  float t = shared32[0];
  for (int w = 1; w < kThreads / 32; ++w) t = is_max ? fmaxf(t, shared32[w]) : t + shared32[w];
  return t;
}

// grid (n_head, n, n_split), block kThreads. partial: F32 [n, n_head, n_split, 2 + hd] =
// (m, l, o[hd]) per split.
template <class KV>
__global__ void __launch_bounds__(kThreads) attention_split_kernel(AttentionArgs a, int split_len) {
  const int h = blockIdx.x, i = blockIdx.y, sp = blockIdx.z;
  const int hd = a.head_dim, tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
  const int len = a.pos[i] + 1;
  const int p0 = sp * split_len, p1 = min(len, p0 + split_len);
  float* part = a.partial + ((int64_t(i) * a.n_head + h) * a.n_split + sp) * (2 + hd);
  if (p0 >= p1) {
    if (tid == 0) {
      part[0] = -INFINITY;
      part[1] = 0.f;
    }
    return;
  }
  __shared__ float qs[kMaxHeadDim];  // F32 [hd] this head's query
  __shared__ float sc[kTilePos];     // F32 [128] scores, then weights, of the tile
  __shared__ float red[32];
  const int group = a.n_head / a.n_kv_head, kvh = h / group;
  const int64_t kv_dim = int64_t(a.n_kv_head) * hd;
  const KV* kbase = static_cast<const KV*>(a.k_cache) + int64_t(a.seq[i]) * a.n_ctx * kv_dim + int64_t(kvh) * hd;
  const KV* vbase = static_cast<const KV*>(a.v_cache) + int64_t(a.seq[i]) * a.n_ctx * kv_dim + int64_t(kvh) * hd;
  const float* q = a.q + int64_t(i) * a.n_head * hd + int64_t(h) * hd;
  for (int d = tid; d < hd; d += kThreads) qs[d] = q[d];

  float m = -INFINITY, l = 0.f;
  float o[kMaxHeadDim / kThreads] = {};  // this thread's output columns tid, tid + 128
  for (int t0 = p0; t0 < p1; t0 += kTilePos) {
    const int cnt = min(kTilePos, p1 - t0);
    __syncthreads();  // qs written / previous tile's sc consumed
    for (int pp = warp; pp < cnt; pp += kThreads / 32) {
      const KV* kp = kbase + int64_t(t0 + pp) * kv_dim;
      float dot = 0.f;
      for (int d = lane; d < hd; d += 32) dot += qs[d] * load_kv(kp + d);
      for (int off = 16; off > 0; off >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, off);
      if (lane == 0) sc[pp] = dot * a.scale;
    }
    __syncthreads();
    float mx = -INFINITY;
    for (int pp = tid; pp < cnt; pp += kThreads) mx = fmaxf(mx, sc[pp]);
    mx = block_reduce(mx, true, red);
    const float m_new = fmaxf(m, mx);
    const float corr = expf(m - m_new);  // 0 on the first tile (m = -inf)
    float ls = 0.f;
    for (int pp = tid; pp < cnt; pp += kThreads) {
      const float w = expf(sc[pp] - m_new);
      sc[pp] = w;
      ls += w;
    }
    ls = block_reduce(ls, false, red);  // its barriers also publish sc
    l = l * corr + ls;
#pragma unroll
    for (int r = 0; r < kMaxHeadDim / kThreads; ++r) {
      const int d = tid + r * kThreads;
      if (d >= hd) break;
      float acc = o[r] * corr;
      for (int pp = 0; pp < cnt; ++pp) acc += sc[pp] * load_kv(vbase + int64_t(t0 + pp) * kv_dim + d);
      o[r] = acc;
    }
    m = m_new;
  }
  if (tid == 0) {
    part[0] = m;
    part[1] = l;
  }
#pragma unroll
  for (int r = 0; r < kMaxHeadDim / kThreads; ++r) {
    const int d = tid + r * kThreads;
    if (d < hd) part[2 + d] = o[r];
  }
}

// grid (n_head, n), block kThreads: out[i, h, d] = merged o / merged l.
__global__ void attention_merge_kernel(AttentionArgs a) {
  const int h = blockIdx.x, i = blockIdx.y, hd = a.head_dim;
  const float* part = a.partial + (int64_t(i) * a.n_head + h) * a.n_split * (2 + hd);
  for (int d = threadIdx.x; d < hd; d += blockDim.x) {
    SplitState st{-INFINITY, 0.f};
    float acc = 0.f;
    for (int s = 0; s < a.n_split; ++s) {
      const float* ps = part + int64_t(s) * (2 + hd);
      float fa, fb;
      st = merge_splits(st, SplitState{ps[0], ps[1]}, &fa, &fb);
      acc = acc * fa + (fb != 0.f ? ps[2 + d] * fb : 0.f);
    }
    a.out[int64_t(i) * a.n_head * hd + int64_t(h) * hd + d] = acc / st.l;
  }
}

}  // namespace

int attention_splits(int n, int n_head, int max_len) {
  // Aim for about 1024 blocks in flight; more splits than 128-position tiles never pay.
  const int rows = n * n_head;
  int want = rows >= 1024 ? 1 : (1024 + rows - 1) / rows;
  const int useful = (max_len + kTilePos - 1) / kTilePos;
  if (want > useful) want = useful;
  return want < 1 ? 1 : want;
}

size_t attention_scratch_floats(int n, int n_head, int head_dim, int n_split) {
  return size_t(n) * size_t(n_head) * size_t(n_split) * size_t(2 + head_dim);
}

void launch_attention(const AttentionArgs& a, cudaStream_t stream) {
  if (a.n <= 0) return;
  const int split_len = (a.max_len + a.n_split - 1) / a.n_split;
  dim3 grid(a.n_head, a.n, a.n_split);
  if (a.kv_f16) attention_split_kernel<half><<<grid, kThreads, 0, stream>>>(a, split_len);
  else attention_split_kernel<float><<<grid, kThreads, 0, stream>>>(a, split_len);
  attention_merge_kernel<<<dim3(a.n_head, a.n), kThreads, 0, stream>>>(a);
}

}  // namespace switchyard::engine::cuda
