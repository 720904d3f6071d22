// Single-kernel runs on host data for the [gpu] tests (see cuda_testing.h).
#include "local_engine/cuda/cuda_testing.h"

#include <cmath>

#include "local_engine/cuda/cuda_check.h"
#include "local_engine/cuda/cuda_matmul.h"
#include "local_engine/cuda/kernels.h"
#include "local_engine/quant.h"

namespace switchyard::engine::cuda::testing {

namespace {

// Owns one device allocation; copies to and from host vectors.
class DeviceMem {
 public:
  DeviceMem() = default;
  DeviceMem(const DeviceMem&) = delete;
  DeviceMem& operator=(const DeviceMem&) = delete;
  ~DeviceMem() {
    if (p_) cudaFree(p_);
  }
  Result<void> alloc(size_t bytes) {
    CUDA_CHECK(cudaMalloc(&p_, bytes ? bytes : 1));
    CUDA_CHECK(cudaMemset(p_, 0, bytes ? bytes : 1));
    return {};
  }
  template <class T>
  Result<void> up(const std::vector<T>& v) {
    if (auto r = alloc(v.size() * sizeof(T)); !r) return r;
    CUDA_CHECK(cudaMemcpy(p_, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice));
    return {};
  }
  template <class T>
  Result<std::vector<T>> down(size_t count) const {
    std::vector<T> v(count);
    CUDA_CHECK(cudaMemcpy(v.data(), p_, count * sizeof(T), cudaMemcpyDeviceToHost));
    return v;
  }
  template <class T = void>
  T* get() const {
    return static_cast<T*>(p_);
  }

 private:
  void* p_ = nullptr;
};

// A stream and cuBLAS handle for one test call.
class Session {
 public:
  ~Session() {
    if (blas_) cublasDestroy(blas_);
    if (stream_) cudaStreamDestroy(stream_);
  }
  Result<void> open() {
    CUDA_CHECK(cudaStreamCreate(&stream_));
    CUBLAS_CHECK(cublasCreate(&blas_));
    CUBLAS_CHECK(cublasSetStream(blas_, stream_));
    return {};
  }
  Result<void> finish() {
    CUDA_CHECK(cudaGetLastError());
    CUDA_CHECK(cudaStreamSynchronize(stream_));
    return {};
  }
  cudaStream_t stream() const { return stream_; }
  cublasHandle_t blas() const { return blas_; }

 private:
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
};

#define TRY(expr)                                     \
  do {                                                \
    auto try_r_ = (expr);                             \
    if (!try_r_) return std::unexpected(try_r_.error()); \
  } while (0)

Path to_path(MatmulPath p) {
  switch (p) {
    case MatmulPath::matvec: return Path::matvec;
    case MatmulPath::tiled: return Path::tiled;
    case MatmulPath::model: return Path::automatic;
  }
  return Path::automatic;
}

std::vector<uint8_t> matrix_bytes(const WeightMatrix& w) {
  const size_t bytes = size_t(w.rows) * w.row_bytes;
  return std::vector<uint8_t>(w.data, w.data + bytes);
}

}  // namespace

Result<std::vector<float>> matmul(const WeightMatrix& w, const std::vector<float>& x, int n, MatmulPath path) {
  Session s;
  TRY(s.open());
  DeviceMem dw, dx, dy, dh;
  TRY(dw.up(matrix_bytes(w)));
  TRY(dx.up(x));
  TRY(dy.alloc(size_t(n) * size_t(w.rows) * 4));
  TRY(dh.alloc(size_t(n) * size_t(w.cols) * 2));
  DevMatrix m{w.type, int(w.rows), int(w.cols), w.row_bytes, 0, 1, dw.get<uint8_t>()};
  TRY(dense_matmul(DeviceContext{s.stream(), s.blas(), dh.get()}, m, dx.get<float>(), n, dy.get<float>(), w.rows,
                   to_path(path)));
  TRY(s.finish());
  return dy.down<float>(size_t(n) * size_t(w.rows));
}

Result<std::vector<float>> expert_matmul(const std::vector<WeightMatrix>& experts, const std::vector<float>& x,
                                         const std::vector<int32_t>& slot_token, const std::vector<int32_t>& expert_offset,
                                         MatmulPath path) {
  if (experts.empty()) return std::unexpected(Error{"no experts"});
  Session s;
  TRY(s.open());
  std::vector<uint8_t> all;
  for (const WeightMatrix& e : experts) {
    auto b = matrix_bytes(e);
    all.insert(all.end(), b.begin(), b.end());
  }
  const WeightMatrix& w0 = experts[0];
  DeviceMem dw, dx, dy, di, doff;
  TRY(dw.up(all));
  TRY(dx.up(x));
  TRY(di.up(slot_token));
  TRY(doff.up(expert_offset));
  const int n_slots = int(slot_token.size());
  TRY(dy.alloc(size_t(n_slots) * size_t(w0.rows) * 4));
  int n_tokens = 0;  // the most slots any expert has decides the kernel, as in the model
  for (size_t e = 0; e + 1 < expert_offset.size(); ++e) n_tokens = std::max(n_tokens, expert_offset[e + 1] - expert_offset[e]);
  DevMatrix m{w0.type, int(w0.rows), int(w0.cols), w0.row_bytes, size_t(w0.rows) * w0.row_bytes, int(experts.size()),
              dw.get<uint8_t>()};
  TRY(grouped_matmul(DeviceContext{s.stream(), s.blas(), nullptr}, m, dx.get<float>(), di.get<int32_t>(), doff.get<int32_t>(),
                     n_tokens, n_slots, dy.get<float>(), w0.rows, to_path(path)));
  TRY(s.finish());
  return dy.down<float>(size_t(n_slots) * size_t(w0.rows));
}

Result<Routing> route(const std::vector<float>& logits, int n, int n_expert, int k) {
  Session s;
  TRY(s.open());
  DeviceMem dl, ids, w, off, st, ts;
  TRY(dl.up(logits));
  TRY(ids.alloc(size_t(n * k) * 4));
  TRY(w.alloc(size_t(n * k) * 4));
  TRY(off.alloc(size_t(n_expert + 1) * 4));
  TRY(st.alloc(size_t(n * k) * 4));
  TRY(ts.alloc(size_t(n * k) * 4));
  launch_route(RouteArgs{dl.get<float>(), n, n_expert, k, ids.get<int32_t>(), w.get<float>(), off.get<int32_t>(),
                         st.get<int32_t>(), ts.get<int32_t>()},
               s.stream());
  TRY(s.finish());
  Routing r;
  auto a = ids.down<int32_t>(size_t(n * k));
  auto b = w.down<float>(size_t(n * k));
  auto c = off.down<int32_t>(size_t(n_expert + 1));
  auto d = st.down<int32_t>(size_t(n * k));
  auto e = ts.down<int32_t>(size_t(n * k));
  if (!a || !b || !c || !d || !e) return std::unexpected(Error{"copy back failed"});
  r.ids = *a;
  r.weights = *b;
  r.expert_offset = *c;
  r.slot_token = *d;
  r.token_slot = *e;
  return r;
}

Result<std::vector<float>> moe_combine(const std::vector<float>& x, const std::vector<float>& dout, const Routing& r, int n,
                                       int k, int dim) {
  Session s;
  TRY(s.open());
  DeviceMem dx, dd, ids, w, ts;
  TRY(dx.up(x));
  TRY(dd.up(dout));
  TRY(ids.up(r.ids));
  TRY(w.up(r.weights));
  TRY(ts.up(r.token_slot));
  launch_moe_combine(dx.get<float>(), dd.get<float>(), ids.get<int32_t>(), w.get<float>(), ts.get<int32_t>(), n, k, dim,
                     s.stream());
  TRY(s.finish());
  return dx.down<float>(x.size());
}

Result<std::vector<float>> rms_norm(const std::vector<float>& x, const std::vector<float>& w, int n, int dim, float eps) {
  Session s;
  TRY(s.open());
  DeviceMem dx, dw, dy;
  TRY(dx.up(x));
  TRY(dw.up(w));
  TRY(dy.alloc(x.size() * 4));
  launch_rms_norm(dx.get<float>(), dw.get<float>(), nullptr, n, dim, eps, dy.get<float>(), s.stream());
  TRY(s.finish());
  return dy.down<float>(x.size());
}

Result<std::vector<float>> swiglu(const std::vector<float>& g, const std::vector<float>& u) {
  Session s;
  TRY(s.open());
  DeviceMem dg, du;
  TRY(dg.up(g));
  TRY(du.up(u));
  launch_swiglu(dg.get<float>(), du.get<float>(), int64_t(g.size()), s.stream());
  TRY(s.finish());
  return dg.down<float>(g.size());
}

Result<Rotated> rope(const std::vector<float>& q, const std::vector<float>& k, const std::vector<int32_t>& pos, int n_head,
                     int n_kv_head, int head_dim, int rope_dim, float freq_base) {
  Session s;
  TRY(s.open());
  const int n = int(pos.size());
  const int64_t kv_dim = int64_t(n_kv_head) * head_dim;
  int n_ctx = 1;
  for (int p : pos) n_ctx = std::max(n_ctx, p + 1);
  std::vector<int32_t> seq(size_t(n), 0);
  DeviceMem dq, dk, dv, dp, ds, kc, vc;
  TRY(dq.up(q));
  TRY(dk.up(k));
  TRY(dv.up(k));
  TRY(dp.up(pos));
  TRY(ds.up(seq));
  TRY(kc.alloc(size_t(n_ctx) * size_t(kv_dim) * 4));
  TRY(vc.alloc(size_t(n_ctx) * size_t(kv_dim) * 4));
  launch_rope_store(RopeStoreArgs{dq.get<float>(), dk.get<float>(), dv.get<float>(), dp.get<int32_t>(), ds.get<int32_t>(), n,
                                  n_head, n_kv_head, head_dim, rope_dim, std::pow(freq_base, -2.0f / float(rope_dim)),
                                  kc.get(), vc.get(), false, n_ctx},
                    s.stream());
  TRY(s.finish());
  auto rq = dq.down<float>(q.size());
  auto rk = dk.down<float>(k.size());
  auto cache = kc.down<float>(size_t(n_ctx) * size_t(kv_dim));
  if (!rq || !rk || !cache) return std::unexpected(Error{"copy back failed"});
  // The cache row of each token must hold its rotated k.
  for (int i = 0; i < n; ++i)
    for (int64_t j = 0; j < kv_dim; ++j)
      if ((*cache)[size_t(pos[size_t(i)] * kv_dim + j)] != (*rk)[size_t(i * kv_dim + j)])
        return std::unexpected(Error{"rope: the cached k differs from the rotated k"});
  return Rotated{*rq, *rk};
}

Result<std::vector<float>> attention(const std::vector<float>& q, const std::vector<float>& k_cache,
                                     const std::vector<float>& v_cache, const std::vector<int32_t>& pos, int n_head,
                                     int n_kv_head, int head_dim, int n_ctx, bool kv_f16, int n_split) {
  Session s;
  TRY(s.open());
  const int n = int(pos.size());
  int max_len = 0;
  for (int p : pos) max_len = std::max(max_len, p + 1);
  if (n_split <= 0) n_split = attention_splits(n, n_head, max_len);
  std::vector<int32_t> seq(size_t(n), 0);
  DeviceMem dq, kc, vc, dp, ds, part, out;
  TRY(dq.up(q));
  if (kv_f16) {
    std::vector<uint16_t> kh(k_cache.size()), vh(v_cache.size());
    for (size_t i = 0; i < kh.size(); ++i) kh[i] = f32_to_fp16(k_cache[i]);
    for (size_t i = 0; i < vh.size(); ++i) vh[i] = f32_to_fp16(v_cache[i]);
    TRY(kc.up(kh));
    TRY(vc.up(vh));
  } else {
    TRY(kc.up(k_cache));
    TRY(vc.up(v_cache));
  }
  TRY(dp.up(pos));
  TRY(ds.up(seq));
  TRY(part.alloc(attention_scratch_floats(n, n_head, head_dim, n_split) * 4));
  TRY(out.alloc(size_t(n) * size_t(n_head) * size_t(head_dim) * 4));
  launch_attention(AttentionArgs{dq.get<float>(), kc.get(), vc.get(), kv_f16, dp.get<int32_t>(), ds.get<int32_t>(), n, n_head,
                                 n_kv_head, head_dim, n_ctx, max_len, n_split, 1.0f / std::sqrt(float(head_dim)),
                                 part.get<float>(), out.get<float>()},
                   s.stream());
  TRY(s.finish());
  return out.down<float>(size_t(n) * size_t(n_head) * size_t(head_dim));
}

}  // namespace switchyard::engine::cuda::testing
