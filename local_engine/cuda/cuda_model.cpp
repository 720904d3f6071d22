// The GPU model: weights uploaded once, KV cache and every activation in device memory,
// the Llama/Mixtral forward as a sequence of kernels on one stream (same math and order as
// model.cpp on the CPU). Host work per step: validate the batch, upload a few ints per
// token, launch, copy the asked-for logits back.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

#include "local_engine/cuda/cuda_check.h"
#include "local_engine/cuda/cuda_engine.h"
#include "local_engine/cuda/cuda_matmul.h"
#include "local_engine/cuda/chunk_math.h"
#include "local_engine/cuda/kernels.h"
#include "local_engine/gguf_format.h"
#include "local_engine/progress_bar.h"

namespace switchyard::engine::cuda {

using detail::sformat;

namespace {

std::string gib(size_t bytes) { return sformat("{} GiB", std::round(double(bytes) / double(1 << 30) * 100) / 100); }

size_t align256(size_t n) { return (n + 255) & ~size_t(255); }

size_t matrix_bytes(const WeightMatrix& m) { return size_t(m.rows) * m.row_bytes; }

struct ScratchSizes {
  size_t floats = 0;  // all F32 scratch
  size_t ints = 0;    // all I32 scratch
  size_t halfs = 0;   // F16/BF16 staging for cuBLAS
};

ScratchSizes scratch_sizes(const ModelConfig& c, int n) {
  const size_t N = size_t(n), dim = size_t(c.dim), hd = size_t(c.head_dim);
  const size_t q_dim = size_t(c.n_head) * hd, kv_dim = size_t(c.n_kv_head) * hd, ff = size_t(c.n_ff);
  const size_t K = size_t(std::max(c.n_expert_used, 1)), E = size_t(std::max(c.n_expert, 1));
  const size_t slots = N * K;
  ScratchSizes s;
  s.floats = 3 * N * dim                 // x, xb, tmp
             + 2 * N * q_dim             // q, att
             + 2 * N * kv_dim            // k, v
             + N * E + N * K             // router logits, routing weights
             + 2 * slots * ff            // gate, up
             + slots * dim               // expert outputs
             + N * dim                   // final normed rows
             + N * size_t(c.n_vocab)     // logits
             + (N * size_t(c.n_head) + 1024 + size_t(c.n_head)) * (2 + hd);  // attention splits
  s.ints = 4 * N + N * K + E + 1 + 2 * slots;
  s.halfs = N * std::max({dim, q_dim, ff});
  return s;
}

size_t scratch_bytes(const ModelConfig& c, int n) {
  const ScratchSizes s = scratch_sizes(c, n);
  return s.floats * 4 + s.ints * 4 + s.halfs * 2 + 8 * 256;
}

// A layer's matrices that are not per expert (absent ones have no data).
std::array<const WeightMatrix*, 8> single_matrices(const LayerWeights& ly) {
  return {&ly.wq, &ly.wk, &ly.wv, &ly.wo, &ly.ffn_gate, &ly.ffn_up, &ly.ffn_down, &ly.gate_inp};
}

size_t weight_upload_bytes(const Model& m) {
  const ModelWeights& w = m.weights();
  size_t total = align256(matrix_bytes(w.token_embd));
  if (w.output.data != w.token_embd.data) total += align256(matrix_bytes(w.output));
  total += align256(size_t(m.config().dim) * 4) * (1 + 2 * w.layers.size());
  for (const LayerWeights& ly : w.layers) {
    for (const WeightMatrix* x : single_matrices(ly))
      if (x->data) total += align256(matrix_bytes(*x));
    for (const auto* v : {&ly.gate_e, &ly.up_e, &ly.down_e})
      if (!v->empty()) total += align256(matrix_bytes((*v)[0]) * v->size());
  }
  return total;
}

size_t kv_bytes(const ModelConfig& c, const CudaModelParams& p) {
  return 2 * size_t(c.n_layer) * size_t(p.n_seq_max) * size_t(p.n_ctx) * size_t(c.n_kv_head) * size_t(c.head_dim) *
         (p.kv_type == KvType::f16 ? 2 : 4);
}

constexpr size_t kRuntimeReserve = size_t(256) << 20;  // context, cuBLAS workspace, kernels

// Shapes the kernels handle; anything else stays on the CPU (with this as the reason).
Result<void> check_supported(const Model& m) {
  const ModelConfig& c = m.config();
  auto no = [](std::string why) { return std::unexpected(Error{"model not supported by the CUDA backend: " + why}); };
  if (c.dim % kChunk || (c.n_head * c.head_dim) % kChunk || c.n_ff % kChunk)
    return no(sformat("dim {}, q_dim {} and ff {} must be multiples of 32", c.dim, c.n_head * c.head_dim, c.n_ff));
  if (c.head_dim > kMaxHeadDim || c.head_dim % 2) return no(sformat("head_dim {} (need even, <= {})", c.head_dim, kMaxHeadDim));
  if (c.n_expert > kMaxExperts) return no(sformat("{} experts (at most {})", c.n_expert, kMaxExperts));
  const ModelWeights& w = m.weights();
  auto type_ok = [](const WeightMatrix& x) { return !x.data || kernel_type_supported(x.type); };
  bool ok = type_ok(w.token_embd) && type_ok(w.output);
  for (const LayerWeights& ly : w.layers) {
    for (const WeightMatrix* x : single_matrices(ly))
      ok = ok && type_ok(*x);
    for (const auto* v : {&ly.gate_e, &ly.up_e, &ly.down_e})
      for (const WeightMatrix& x : *v) ok = ok && type_ok(x) && x.type == (*v)[0].type;
  }
  if (!ok) return no("a weight type without a CUDA kernel (or experts of mixed types)");
  return {};
}

struct DevLayer {
  const float* attn_norm = nullptr;  // F32 [dim]
  const float* ffn_norm = nullptr;   // F32 [dim]
  DevMatrix wq, wk, wv, wo;          // [q_dim, dim], [kv_dim, dim], [kv_dim, dim], [dim, q_dim]
  DevMatrix ffn_gate, ffn_up, ffn_down;  // dense: [ff, dim], [ff, dim], [dim, ff]
  DevMatrix gate_inp;                // [n_expert, dim]
  DevMatrix gate_e, up_e, down_e;    // n_expert x [ff, dim], [ff, dim], [dim, ff]
};

class CudaBatchModel final : public BatchModel {
 public:
  ~CudaBatchModel() override {
    cudaSetDevice(params_.device);  // the engine may be destroyed from another thread
    if (stream_) cudaStreamSynchronize(stream_);
    if (blas_) cublasDestroy(blas_);
    for (void* p : {static_cast<void*>(weights_), kv_, pool_, scratch_, ints_}) if (p) cudaFree(p);
    if (host_) cudaFreeHost(host_);
    if (stream_) cudaStreamDestroy(stream_);
  }

  static Result<std::unique_ptr<CudaBatchModel>> create(std::shared_ptr<const Model> model, const CudaModelParams& p) {
    if (auto ok = check_supported(*model); !ok) return std::unexpected(ok.error());
    const ModelConfig& c = model->config();
    if (p.n_seq_max < 1 || p.n_ctx < 1) return std::unexpected(Error{"cuda: n_seq_max and n_ctx must be >= 1"});
    std::unique_ptr<CudaBatchModel> m(new CudaBatchModel());
    m->model_ = std::move(model);
    m->c_ = c;
    m->params_ = p;
    m->seq_len_.assign(size_t(p.n_seq_max), 0);
    CUDA_CHECK(cudaSetDevice(p.device));
    cudaDeviceProp prop{};
    CUDA_CHECK(cudaGetDeviceProperties(&prop, p.device));
    size_t free_bytes = 0, total_bytes = 0;
    CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    const size_t w_bytes = weight_upload_bytes(*m->model_), k_bytes = kv_bytes(c, p);
    const int cap = p.max_batch_tokens > 0 ? p.max_batch_tokens : 512;
    const size_t s_bytes = scratch_bytes(c, cap);
    const size_t need = w_bytes + k_bytes + s_bytes + kRuntimeReserve;
    if (need > free_bytes)
      return std::unexpected(Error{sformat(
          "cuda:{} ({}): out of memory: the model needs {} (weights {}, KV cache {} for {} x {} positions, scratch {}) "
          "but only {} of {} is free",
          p.device, prop.name, gib(need), gib(w_bytes), gib(k_bytes), p.n_seq_max, p.n_ctx, gib(s_bytes), gib(free_bytes),
          gib(total_bytes))});
    CUDA_CHECK(cudaStreamCreateWithFlags(&m->stream_, cudaStreamNonBlocking));
    CUBLAS_CHECK(cublasCreate(&m->blas_));
    CUBLAS_CHECK(cublasSetStream(m->blas_, m->stream_));
    // F32 weights stay F32 (no TF32): the CPU engine computes them in full precision too.
    CUBLAS_CHECK(cublasSetMathMode(m->blas_, CUBLAS_DEFAULT_MATH));
    if (auto r = m->upload(w_bytes); !r) return std::unexpected(r.error());
    CUDA_CHECK(cudaMalloc(&m->kv_, k_bytes));
    if (auto r = m->ensure_scratch(cap); !r) return std::unexpected(r.error());
    m->device_name_ = prop.name;
    return m;
  }

  int32_t n_vocab() const override { return c_.n_vocab; }
  int32_t n_ctx() const override { return params_.n_ctx; }
  int32_t n_seq_max() const override { return params_.n_seq_max; }
  void clear_seq(int32_t seq) override {
    if (seq >= 0 && seq < params_.n_seq_max) seq_len_[size_t(seq)] = 0;
  }

  Result<void> forward(std::span<const BatchToken> batch, float* logits) override {
    const int n = int(batch.size());
    if (n == 0) return {};
    // Validate before touching the device: positions append (or rewrite) per sequence.
    std::vector<int> len = seq_len_;
    int n_logits = 0, max_len = 0;
    for (const BatchToken& t : batch) {
      if (t.token < 0 || t.token >= c_.n_vocab)
        return std::unexpected(Error{sformat("forward: token {} out of vocabulary ({})", t.token, c_.n_vocab)});
      if (t.seq < 0 || t.seq >= params_.n_seq_max) return std::unexpected(Error{sformat("forward: sequence {} out of range", t.seq)});
      if (t.pos < 0 || t.pos >= params_.n_ctx)
        return std::unexpected(Error{sformat("forward: position {} outside context {}", t.pos, params_.n_ctx)});
      if (t.pos > len[size_t(t.seq)])
        return std::unexpected(Error{sformat("forward: position {} of sequence {} skips positions (length {})", t.pos, t.seq,
                                             len[size_t(t.seq)])});
      len[size_t(t.seq)] = t.pos + 1;
      max_len = std::max(max_len, t.pos + 1);
      n_logits += t.want_logits;
    }
    if (n_logits > 0 && !logits) return std::unexpected(Error{"forward: logits requested but no output buffer"});
    if (poisoned_) return std::unexpected(Error{"cuda: the device failed earlier (" + poisoned_msg_ + "); restart the engine"});
    CUDA_CHECK(cudaSetDevice(params_.device));
    if (auto r = ensure_scratch(n); !r) return std::unexpected(r.error());
    auto r = run(batch, n, n_logits, max_len, logits);
    if (!r) {
      // A failed kernel can leave the context unusable: refuse further work with the cause.
      poisoned_ = true;
      poisoned_msg_ = r.error().message;
      return r;
    }
    seq_len_ = std::move(len);
    return {};
  }

  Result<void> copy_seq(int32_t src, int32_t dst, int32_t n) override {
    if (src < 0 || dst < 0 || src >= params_.n_seq_max || dst >= params_.n_seq_max || n < 0 || n > seq_len_[size_t(src)])
      return std::unexpected(Error{"copy_seq: bad sequences or more positions than the source holds"});
    CUDA_CHECK(cudaSetDevice(params_.device));
    for (int l = 0; l < c_.n_layer; ++l)
      for (bool v : {false, true}) {
        uint8_t* base = static_cast<uint8_t*>(v ? v_cache(l) : k_cache(l));
        CUDA_CHECK(cudaMemcpyAsync(base + slot_offset(dst, 0), base + slot_offset(src, 0), position_bytes() * size_t(n),
                                   cudaMemcpyDeviceToDevice, stream_));
      }
    CUDA_CHECK(cudaStreamSynchronize(stream_));
    seq_len_[size_t(dst)] = n;
    return {};
  }

  // The pool: per layer K then V, [pool_positions_, kv_dim] each, in device memory.
  Result<int32_t> reserve_pool(size_t bytes) override {
    const size_t per_position = 2 * size_t(c_.n_layer) * position_bytes();
    const size_t positions = std::min<size_t>(bytes / per_position, size_t(1) << 24);
    if (positions == 0) return 0;
    CUDA_CHECK(cudaSetDevice(params_.device));
    size_t free_bytes = 0, total_bytes = 0;
    CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    if (positions * per_position + kRuntimeReserve > free_bytes)
      return std::unexpected(Error{sformat("cuda:{}: the prefix cache's {} do not fit in the {} free", params_.device,
                                           gib(positions * per_position), gib(free_bytes))});
    CUDA_CHECK(cudaMalloc(&pool_, positions * per_position));
    pool_positions_ = int32_t(positions);
    return pool_positions_;
  }
  Result<void> save_to_pool(int32_t seq, int32_t pos, int32_t pool_pos, int32_t n) override {
    return pool_copy(seq, pos, pool_pos, n, true);
  }
  Result<void> load_from_pool(int32_t pool_pos, int32_t seq, int32_t pos, int32_t n) override {
    if (seq >= 0 && seq < params_.n_seq_max && pos > seq_len_[size_t(seq)])
      return std::unexpected(Error{"load_from_pool: would leave a gap in the sequence"});
    if (auto r = pool_copy(seq, pos, pool_pos, n, false); !r) return r;
    seq_len_[size_t(seq)] = pos + n;
    return {};
  }

  const std::string& device_name() const { return device_name_; }

 private:
  CudaBatchModel() = default;

  // Scratch views for capacity cap_ tokens (pointers into scratch_ / ints_).
  struct Bufs {
    float *x, *xb, *tmp;   // F32 [N, dim]
    float *q, *att;        // F32 [N, q_dim]
    float *k, *v;          // F32 [N, kv_dim]
    float *router;         // F32 [N, E]
    float *route_w;        // F32 [N, K]
    float *hg, *hu;        // F32 [N * K, ff]
    float *dout;           // F32 [N * K, dim]
    float *fin;            // F32 [N, dim]
    float *logits;         // F32 [N, n_vocab]
    float *partial;        // F32 attention splits
    int32_t *tokens, *pos, *seq, *logit_rows;  // I32 [N] each (uploaded per step)
    int32_t *ids;          // I32 [N, K]
    int32_t *expert_offset;  // I32 [E + 1]
    int32_t *slot_token, *token_slot;  // I32 [N * K]
    void* half_in;         // F16/BF16 [N, max(dim, q_dim, ff)]
  };

  Result<void> ensure_scratch(int n) {
    if (n <= cap_) return {};
    const int cap = std::max(n, cap_ * 2);
    if (scratch_) cudaFree(scratch_);
    if (ints_) cudaFree(ints_);
    if (host_) cudaFreeHost(host_);
    scratch_ = nullptr;
    ints_ = nullptr;
    host_ = nullptr;
    cap_ = 0;
    const ScratchSizes s = scratch_sizes(c_, cap);
    CUDA_CHECK(cudaMalloc(&scratch_, s.floats * 4 + s.halfs * 2 + 32 * 256));
    CUDA_CHECK(cudaMalloc(&ints_, s.ints * 4 + 16 * 256));
    const size_t host_bytes = size_t(4 * cap) * 4 + size_t(cap) * size_t(c_.n_vocab) * 4;
    CUDA_CHECK(cudaMallocHost(&host_, host_bytes));
    const size_t N = size_t(cap), dim = size_t(c_.dim), hd = size_t(c_.head_dim);
    const size_t q_dim = size_t(c_.n_head) * hd, kv_dim = size_t(c_.n_kv_head) * hd, ff = size_t(c_.n_ff);
    const size_t K = size_t(std::max(c_.n_expert_used, 1)), E = size_t(std::max(c_.n_expert, 1));
    uint8_t* f = static_cast<uint8_t*>(scratch_);
    auto take = [&](size_t floats) {
      float* p = reinterpret_cast<float*>(f);
      f += align256(floats * 4);
      return p;
    };
    b_.x = take(N * dim);
    b_.xb = take(N * dim);
    b_.tmp = take(N * dim);
    b_.q = take(N * q_dim);
    b_.att = take(N * q_dim);
    b_.k = take(N * kv_dim);
    b_.v = take(N * kv_dim);
    b_.router = take(N * E);
    b_.route_w = take(N * K);
    b_.hg = take(N * K * ff);
    b_.hu = take(N * K * ff);
    b_.dout = take(N * K * dim);
    b_.fin = take(N * dim);
    b_.logits = take(N * size_t(c_.n_vocab));
    b_.partial = take((N * size_t(c_.n_head) + 1024 + size_t(c_.n_head)) * (2 + hd));
    b_.half_in = f;
    uint8_t* i = static_cast<uint8_t*>(ints_);
    auto take_i = [&](size_t count) {
      int32_t* p = reinterpret_cast<int32_t*>(i);
      i += align256(count * 4);
      return p;
    };
    b_.tokens = take_i(4 * N);  // tokens, pos, seq, logit_rows: one upload
    b_.pos = b_.tokens + N;
    b_.seq = b_.tokens + 2 * N;
    b_.logit_rows = b_.tokens + 3 * N;
    b_.ids = take_i(N * K);
    b_.expert_offset = take_i(E + 1);
    b_.slot_token = take_i(N * K);
    b_.token_slot = take_i(N * K);
    cap_ = cap;
    return {};
  }

  Result<void> upload(size_t total) {
    CUDA_CHECK(cudaMalloc(&weights_, total));
    ProgressBar bar("uploading weights", total, progress_wanted(params_.progress));
    uint8_t* next = weights_;
    std::map<const uint8_t*, const uint8_t*> placed;  // host tensor -> device copy (tied embeddings)
    auto put = [&](const void* src, size_t bytes) -> Result<const uint8_t*> {
      uint8_t* dst = next;
      next += align256(bytes);
      // Chunks keep the progress bar moving on multi-GB tensors.
      const size_t chunk = size_t(64) << 20;
      for (size_t off = 0; off < bytes; off += chunk) {
        const size_t len = std::min(chunk, bytes - off);
        CUDA_CHECK(cudaMemcpy(dst + off, static_cast<const uint8_t*>(src) + off, len, cudaMemcpyHostToDevice));
        bar.add(len);
      }
      return dst;
    };
    auto matrix = [&](const WeightMatrix& w, DevMatrix& out) -> Result<void> {
      if (!w.data) return {};
      out = DevMatrix{w.type, int(w.rows), int(w.cols), w.row_bytes, 0, 1, nullptr};
      if (auto it = placed.find(w.data); it != placed.end()) {
        out.d = it->second;
        return {};
      }
      auto d = put(w.data, matrix_bytes(w));
      if (!d) return std::unexpected(d.error());
      out.d = placed[w.data] = *d;
      return {};
    };
    // Experts go into one buffer, expert_bytes apart, whether the file stacks them or not.
    auto experts = [&](const std::vector<WeightMatrix>& v, DevMatrix& out) -> Result<void> {
      if (v.empty()) return {};
      const size_t eb = matrix_bytes(v[0]);
      out = DevMatrix{v[0].type, int(v[0].rows), int(v[0].cols), v[0].row_bytes, eb, int(v.size()), next};
      next += align256(eb * v.size());
      for (size_t e = 0; e < v.size(); ++e) {
        CUDA_CHECK(cudaMemcpy(const_cast<uint8_t*>(out.d) + e * eb, v[e].data, eb, cudaMemcpyHostToDevice));
        bar.add(eb);
      }
      return {};
    };
    auto vec = [&](const float* v) -> Result<const float*> {
      auto d = put(v, size_t(c_.dim) * 4);
      if (!d) return std::unexpected(d.error());
      return reinterpret_cast<const float*>(*d);
    };
    const ModelWeights& w = model_->weights();
    if (auto r = matrix(w.token_embd, embd_); !r) return r;
    if (auto r = matrix(w.output, output_); !r) return r;
    auto on = vec(w.output_norm);
    if (!on) return std::unexpected(on.error());
    output_norm_ = *on;
    layers_.resize(w.layers.size());
    for (size_t l = 0; l < w.layers.size(); ++l) {
      const LayerWeights& h = w.layers[l];
      DevLayer& d = layers_[l];
      auto an = vec(h.attn_norm);
      if (!an) return std::unexpected(an.error());
      auto fn = vec(h.ffn_norm);
      if (!fn) return std::unexpected(fn.error());
      d.attn_norm = *an;
      d.ffn_norm = *fn;
      for (auto [hm, dm] : {std::pair{&h.wq, &d.wq}, {&h.wk, &d.wk}, {&h.wv, &d.wv}, {&h.wo, &d.wo}, {&h.ffn_gate, &d.ffn_gate},
                            {&h.ffn_up, &d.ffn_up}, {&h.ffn_down, &d.ffn_down}, {&h.gate_inp, &d.gate_inp}})
        if (auto r = matrix(*hm, *dm); !r) return r;
      if (auto r = experts(h.gate_e, d.gate_e); !r) return r;
      if (auto r = experts(h.up_e, d.up_e); !r) return r;
      if (auto r = experts(h.down_e, d.down_e); !r) return r;
    }
    // cudaMemcpy from pageable memory may return before the DMA lands, and the forward's
    // non-blocking stream does not wait for the legacy stream: finish the copies here.
    CUDA_CHECK(cudaDeviceSynchronize());
    return {};
  }

  Result<void> dense(const DevMatrix& w, const float* x, int n, float* y, int64_t y_stride) {
    return dense_matmul(ctx(), w, x, n, y, y_stride);
  }
  Result<void> grouped(const DevMatrix& w, const float* x, const int32_t* x_index, int n_tokens, int n_slots, float* y,
                       int64_t y_stride) {
    return grouped_matmul(ctx(), w, x, x_index, b_.expert_offset, n_tokens, n_slots, y, y_stride);
  }
  DeviceContext ctx() const { return DeviceContext{stream_, blas_, b_.half_in}; }

  // One forward as named steps (model_forward.cpp has the same ones on the CPU):
  //   upload_batch -> embed -> for each layer { attention ; dense_ffn | moe_ffn } -> logits
  Result<void> run(std::span<const BatchToken> batch, int n, int n_logits, int max_len, float* logits) {
    if (auto e = upload_batch(batch, n); !e) return e;
    launch_embed(embd_.type, embd_.d, embd_.row_bytes, b_.tokens, n, c_.dim, b_.x, stream_);
    CUDA_CHECK_LAUNCH("embed");
    const Step step{n, max_len, attention_splits(n, c_.n_head, max_len)};
    for (int l = 0; l < c_.n_layer; ++l) {
      if (auto e = attention(step, l); !e) return e;
      auto e = c_.n_expert == 0 ? dense_ffn(step, layers_[size_t(l)]) : moe_ffn(step, layers_[size_t(l)]);
      if (!e) return e;
    }
    if (n_logits == 0) {
      CUDA_CHECK(cudaStreamSynchronize(stream_));
      return {};
    }
    return output_logits(n_logits, logits);
  }

  struct Step {
    int n;        // tokens in the batch
    int max_len;  // longest sequence after this step (attention length)
    int n_split;  // attention splits per (token, head)
  };

  // Pinned I32 [4, cap_]: tokens, positions, sequences, logit rows; one upload.
  Result<void> upload_batch(std::span<const BatchToken> batch, int n) {
    int32_t* h = static_cast<int32_t*>(host_);
    int r = 0;
    for (int i = 0; i < n; ++i) {
      h[i] = batch[size_t(i)].token;
      h[cap_ + i] = batch[size_t(i)].pos;
      h[2 * cap_ + i] = batch[size_t(i)].seq;
      if (batch[size_t(i)].want_logits) h[3 * cap_ + r++] = i;
    }
    CUDA_CHECK(cudaMemcpyAsync(b_.tokens, h, size_t(4 * cap_) * 4, cudaMemcpyHostToDevice, stream_));
    return {};
  }

  // Between slot positions [pos, pos + n) of seq and pool positions [pool_pos, pool_pos + n).
  Result<void> pool_copy(int32_t seq, int32_t pos, int32_t pool_pos, int32_t n, bool to_pool) {
    if (!pool_) return std::unexpected(Error{"prefix pool: none reserved"});
    if (seq < 0 || seq >= params_.n_seq_max || pos < 0 || n < 0 || pos + n > params_.n_ctx || pool_pos < 0 ||
        pool_pos + n > pool_positions_)
      return std::unexpected(Error{"prefix pool: copy out of range"});
    CUDA_CHECK(cudaSetDevice(params_.device));
    const size_t bytes = position_bytes() * size_t(n);
    uint8_t* pool = static_cast<uint8_t*>(pool_);
    const size_t pool_layer = position_bytes() * size_t(pool_positions_);
    for (int l = 0; l < c_.n_layer; ++l)
      for (int v = 0; v < 2; ++v) {
        uint8_t* slot = static_cast<uint8_t*>(v ? v_cache(l) : k_cache(l)) + slot_offset(seq, pos);
        uint8_t* pooled = pool + (2 * size_t(l) + size_t(v)) * pool_layer + position_bytes() * size_t(pool_pos);
        CUDA_CHECK(cudaMemcpyAsync(to_pool ? pooled : slot, to_pool ? slot : pooled, bytes, cudaMemcpyDeviceToDevice, stream_));
      }
    CUDA_CHECK(cudaStreamSynchronize(stream_));
    return {};
  }

  size_t position_bytes() const { return size_t(c_.n_kv_head * c_.head_dim) * (params_.kv_type == KvType::f16 ? 2 : 4); }
  size_t slot_offset(int seq, int pos) const { return (size_t(seq) * size_t(params_.n_ctx) + size_t(pos)) * position_bytes(); }

  // Layer l's K and V caches: [n_seq_max, n_ctx, kv_dim] each.
  void* k_cache(int l) const { return static_cast<uint8_t*>(kv_) + 2 * size_t(l) * kv_layer_bytes(); }
  void* v_cache(int l) const { return static_cast<uint8_t*>(kv_) + (2 * size_t(l) + 1) * kv_layer_bytes(); }
  size_t kv_layer_bytes() const { return size_t(params_.n_seq_max) * size_t(params_.n_ctx) * position_bytes(); }

  // x += Wo . Attn(RoPE(Wq xb), RoPE(Wk xb), Wv xb), xb = rms(x)
  Result<void> attention(const Step& st, int l) {
    const ModelConfig& c = c_;
    const DevLayer& ly = layers_[size_t(l)];
    const int n = st.n, hd = c.head_dim, q_dim = c.n_head * hd, kv_dim = c.n_kv_head * hd;
    const bool f16 = params_.kv_type == KvType::f16;
    launch_rms_norm(b_.x, ly.attn_norm, nullptr, n, c.dim, c.rms_eps, b_.xb, stream_);
    CUDA_CHECK_LAUNCH("rms_norm");
    if (auto e = dense(ly.wq, b_.xb, n, b_.q, q_dim); !e) return e;  // qkv
    if (auto e = dense(ly.wk, b_.xb, n, b_.k, kv_dim); !e) return e;
    if (auto e = dense(ly.wv, b_.xb, n, b_.v, kv_dim); !e) return e;
    const float theta_scale = std::pow(c.rope_freq_base, -2.0f / float(c.rope_dim));
    launch_rope_store(RopeStoreArgs{b_.q, b_.k, b_.v, b_.pos, b_.seq, n, c.n_head, c.n_kv_head, hd, c.rope_dim, theta_scale,
                                    k_cache(l), v_cache(l), f16, params_.n_ctx},
                      stream_);
    CUDA_CHECK_LAUNCH("rope_and_store_kv");
    launch_attention(AttentionArgs{b_.q, k_cache(l), v_cache(l), f16, b_.pos, b_.seq, n, c.n_head, c.n_kv_head, hd, params_.n_ctx,
                                   st.max_len, st.n_split, 1.0f / std::sqrt(float(hd)), b_.partial, b_.att},
                     stream_);
    CUDA_CHECK_LAUNCH("attend");
    if (auto e = dense(ly.wo, b_.att, n, b_.tmp, c.dim); !e) return e;
    launch_add(b_.x, b_.tmp, int64_t(n) * c.dim, stream_);
    CUDA_CHECK_LAUNCH("add");
    return {};
  }

  // x += W_down . (silu(W_gate xb) * W_up xb), xb = rms(x)
  Result<void> dense_ffn(const Step& st, const DevLayer& ly) {
    const int n = st.n, ff = c_.n_ff;
    launch_rms_norm(b_.x, ly.ffn_norm, nullptr, n, c_.dim, c_.rms_eps, b_.xb, stream_);
    CUDA_CHECK_LAUNCH("rms_norm");
    if (auto e = dense(ly.ffn_gate, b_.xb, n, b_.hg, ff); !e) return e;
    if (auto e = dense(ly.ffn_up, b_.xb, n, b_.hu, ff); !e) return e;
    launch_swiglu(b_.hg, b_.hu, int64_t(n) * ff, stream_);
    CUDA_CHECK_LAUNCH("swiglu");
    if (auto e = dense(ly.ffn_down, b_.hg, n, b_.tmp, c_.dim); !e) return e;
    launch_add(b_.x, b_.tmp, int64_t(n) * c_.dim, stream_);
    CUDA_CHECK_LAUNCH("add");
    return {};
  }

  // x += sum over the top-k experts e of weight_e * FFN_e(rms(x)). Routing and grouping
  // run on the device (one kernel); each chosen expert runs once over its slots.
  Result<void> moe_ffn(const Step& st, const DevLayer& ly) {
    const int n = st.n, E = c_.n_expert, K = c_.n_expert_used, n_slots = n * K, ff = c_.n_ff;
    launch_rms_norm(b_.x, ly.ffn_norm, nullptr, n, c_.dim, c_.rms_eps, b_.xb, stream_);
    CUDA_CHECK_LAUNCH("rms_norm");
    if (auto e = dense(ly.gate_inp, b_.xb, n, b_.router, E); !e) return e;  // route
    launch_route(RouteArgs{b_.router, n, E, K, b_.ids, b_.route_w, b_.expert_offset, b_.slot_token, b_.token_slot}, stream_);
    CUDA_CHECK_LAUNCH("route_and_group");
    if (auto e = grouped(ly.gate_e, b_.xb, b_.slot_token, n, n_slots, b_.hg, ff); !e) return e;  // run_experts
    if (auto e = grouped(ly.up_e, b_.xb, b_.slot_token, n, n_slots, b_.hu, ff); !e) return e;
    launch_swiglu(b_.hg, b_.hu, int64_t(n_slots) * ff, stream_);
    CUDA_CHECK_LAUNCH("swiglu");
    if (auto e = grouped(ly.down_e, b_.hg, nullptr, n, n_slots, b_.dout, c_.dim); !e) return e;
    launch_moe_combine(b_.x, b_.dout, b_.ids, b_.route_w, b_.token_slot, n, K, c_.dim, stream_);
    CUDA_CHECK_LAUNCH("combine");
    return {};
  }

  // logits: F32 [n_logits, n_vocab] = output . rms(x) for the tokens that want them,
  // staged through pinned memory.
  Result<void> output_logits(int n_logits, float* logits) {
    launch_rms_norm(b_.x, output_norm_, b_.logit_rows, n_logits, c_.dim, c_.rms_eps, b_.fin, stream_);
    CUDA_CHECK_LAUNCH("rms_norm");
    if (auto e = dense(output_, b_.fin, n_logits, b_.logits, c_.n_vocab); !e) return e;
    float* staged = reinterpret_cast<float*>(static_cast<int32_t*>(host_) + 4 * cap_);
    const size_t bytes = size_t(n_logits) * size_t(c_.n_vocab) * 4;
    CUDA_CHECK(cudaMemcpyAsync(staged, b_.logits, bytes, cudaMemcpyDeviceToHost, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
    std::memcpy(logits, staged, bytes);
    return {};
  }

  std::shared_ptr<const Model> model_;
  ModelConfig c_;
  CudaModelParams params_;
  std::string device_name_;
  std::vector<int> seq_len_;
  bool poisoned_ = false;
  std::string poisoned_msg_;

  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  uint8_t* weights_ = nullptr;  // every tensor, 256-byte aligned
  void* kv_ = nullptr;          // per layer K then V: [n_seq_max, n_ctx, kv_dim] of F32 or F16
  void* pool_ = nullptr;        // prefix cache: per layer K then V: [pool_positions_, kv_dim] of the same type
  int32_t pool_positions_ = 0;
  void* scratch_ = nullptr;
  void* ints_ = nullptr;
  void* host_ = nullptr;        // pinned: I32 [4, cap_] batch ints, then F32 [cap_, n_vocab] logits
  int cap_ = 0;
  Bufs b_{};

  DevMatrix embd_, output_;
  const float* output_norm_ = nullptr;
  std::vector<DevLayer> layers_;
};

}  // namespace

Probe probe() {
  Probe p;
  p.compiled = true;
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    p.why_none = std::string("no usable CUDA driver or device (") + cudaGetErrorString(e) + ")";
    cudaGetLastError();  // clear it
    return p;
  }
  if (count == 0) {
    p.why_none = "no CUDA device";
    return p;
  }
  std::string skipped;
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, d) != cudaSuccess) continue;
    if (prop.major < 8) {  // kernels are built for sm_80 and sm_90 (plus PTX for newer)
      skipped += sformat("{}cuda:{} {} has compute capability {}.{} (need 8.0+)", skipped.empty() ? "" : "; ", d, prop.name,
                         prop.major, prop.minor);
      continue;
    }
    DeviceInfo info{d, prop.name, prop.major, prop.minor, prop.totalGlobalMem, 0};
    if (cudaSetDevice(d) == cudaSuccess) {
      size_t free_b = 0, total_b = 0;
      if (cudaMemGetInfo(&free_b, &total_b) == cudaSuccess) info.free_bytes = free_b;
    }
    p.devices.push_back(std::move(info));
  }
  if (p.devices.empty()) p.why_none = skipped.empty() ? "no usable CUDA device" : skipped;
  return p;
}

Result<double> measure_read_bandwidth(int device, size_t bytes) {
  CUDA_CHECK(cudaSetDevice(device));
  cudaDeviceProp prop{};
  CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  bytes &= ~size_t(15);
  void* buf = nullptr;
  unsigned* sink = nullptr;
  cudaEvent_t t0 = nullptr, t1 = nullptr;
  auto release = [&] {
    if (buf) cudaFree(buf);
    if (sink) cudaFree(sink);
    if (t0) cudaEventDestroy(t0);
    if (t1) cudaEventDestroy(t1);
  };
  auto run = [&]() -> Result<double> {
    CUDA_CHECK(cudaMalloc(&buf, bytes));
    CUDA_CHECK(cudaMalloc(&sink, sizeof(unsigned)));
    CUDA_CHECK(cudaMemset(buf, 1, bytes));
    CUDA_CHECK(cudaEventCreate(&t0));
    CUDA_CHECK(cudaEventCreate(&t1));
    const int blocks = prop.multiProcessorCount * 4;
    double best = 0;
    for (int rep = 0; rep < 6; ++rep) {
      CUDA_CHECK(cudaEventRecord(t0));
      launch_read(buf, bytes, sink, blocks, nullptr);
      CUDA_CHECK_LAUNCH("read");
      CUDA_CHECK(cudaEventRecord(t1));
      CUDA_CHECK(cudaEventSynchronize(t1));
      float ms = 0;
      CUDA_CHECK(cudaEventElapsedTime(&ms, t0, t1));
      if (rep > 0 && ms > 0) best = std::max(best, double(bytes) / (double(ms) / 1e3));  // first pass warms up
    }
    return best;
  };
  auto r = run();
  release();
  return r;
}

size_t bytes_needed(const Model& model, const CudaModelParams& params) {
  return weight_upload_bytes(model) + kv_bytes(model.config(), params) +
         scratch_bytes(model.config(), params.max_batch_tokens > 0 ? params.max_batch_tokens : 512) + kRuntimeReserve;
}

Result<std::unique_ptr<BatchModel>> make_cuda_batch_model(std::shared_ptr<const Model> model, const CudaModelParams& params) {
  auto m = CudaBatchModel::create(std::move(model), params);
  if (!m) return std::unexpected(m.error());
  return std::unique_ptr<BatchModel>(std::move(*m));
}

}  // namespace switchyard::engine::cuda
