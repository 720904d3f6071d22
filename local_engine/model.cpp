// Llama / Mixtral forward over a batch of tokens from many sequences (llama.cpp semantics).
#include "local_engine/model.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "local_engine/cpu/kernels.h"
#include "local_engine/gguf_format.h"
#include "local_engine/progress_bar.h"

namespace switchyard::engine {

using detail::sformat;

using Layer = LayerWeights;
using Weights = ModelWeights;

// Activations quantized once per matmul input, per activation format.
struct ActBuffers {
  std::vector<uint8_t> buf[3];
  bool valid[3] = {false, false, false};
  void reset() { valid[0] = valid[1] = valid[2] = false; }
};

struct Model::Scratch {
  std::vector<float> x;       // F32 [n, dim] residual stream
  std::vector<float> xb;      // F32 [n, dim] normed input of a block
  std::vector<float> q;       // F32 [n, q_dim]
  std::vector<float> k;       // F32 [n, kv_dim]
  std::vector<float> v;       // F32 [n, kv_dim]
  std::vector<float> att;     // F32 [n, q_dim] attention output
  std::vector<float> tmp;     // F32 [n, dim] block output before the residual add
  std::vector<float> hg;      // F32 [n_slots, ff] gate (then swiglu) per (token, expert) slot
  std::vector<float> hu;      // F32 [n_slots, ff] up
  std::vector<float> dout;    // F32 [n_slots, dim] expert down outputs
  std::vector<float> router;  // F32 [n, n_expert]
  std::vector<int32_t> slot_token;   // [n_slots] token of each slot, grouped by expert
  std::vector<float> slot_weight;    // [n_slots]
  std::vector<int32_t> expert_offset;  // [n_expert + 1]
  std::vector<int32_t> token_expert;   // [n, k] chosen experts
  std::vector<float> token_weight;     // [n, k]
  std::vector<int32_t> logit_rows;     // indices of tokens that want logits
  ActBuffers a_in, a_hidden;
  std::vector<float> fin;     // F32 [n_logits, dim]
};

Model::~Model() = default;

namespace {

Error err(std::string m) { return Error{std::move(m)}; }

template <class T>
void grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

const uint8_t* quantized(Backend& be, ActBuffers& ab, ActType t, const float* x, int64_t n, int64_t cols) {
  int s = int(t);
  if (!ab.valid[s]) {
    grow(ab.buf[s], act_row_bytes(t, cols) * size_t(n));
    be.quantize_rows(t, x, n, cols, ab.buf[s].data());
    ab.valid[s] = true;
  }
  return ab.buf[s].data();
}

struct Loader {
  const GgufFile& g;

  Result<const GgufTensorInfo*> tensor(const std::string& name, std::initializer_list<int64_t> shape) const {
    const GgufTensorInfo* t = g.find_tensor(name);
    if (!t) return std::unexpected(err(sformat("model: missing tensor '{}'", name)));
    bool ok = t->n_dims == shape.size();
    size_t d = 0;
    for (int64_t s : shape) ok = ok && t->ne[d++] == s;
    if (!ok) {
      std::string want = "[";
      d = 0;
      for (int64_t s : shape) want += (d++ ? ", " : "") + std::to_string(s);
      return std::unexpected(err(sformat("model: tensor '{}' has shape {}, expected {}", name, t->shape_string(), want + "]")));
    }
    return t;
  }

  Result<WeightMatrix> matrix(const std::string& name, int64_t cols, int64_t rows) const {
    auto t = tensor(name, {cols, rows});
    if (!t) return std::unexpected(t.error());
    return WeightMatrix{(*t)->type, rows, cols, (*t)->data, *ggml_row_size((*t)->type, cols)};
  }

  // Expert e of a stacked [cols, rows, n_expert] tensor.
  static WeightMatrix expert_slice(const GgufTensorInfo& t, int e) {
    size_t rb = *ggml_row_size(t.type, t.ne[0]);
    return WeightMatrix{t.type, t.ne[1], t.ne[0], t.data + size_t(e) * size_t(t.ne[1]) * rb, rb};
  }

  Result<const float*> vector(const std::string& name, int64_t n, std::vector<std::vector<float>>& owned) const {
    auto t = tensor(name, {n});
    if (!t) return std::unexpected(t.error());
    owned.emplace_back(size_t(n));
    dequantize_row((*t)->type, (*t)->data, owned.back().data(), n);
    return owned.back().data();
  }
};

// Brings the mapped file into memory chunk by chunk (so the first forward does not stall on
// page faults), drawing a progress bar on stderr when asked.
void prefault(std::span<const uint8_t> bytes, bool show) {
  if (bytes.empty()) return;
  const size_t page = size_t(sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096);
  // A file that cannot stay resident would only be read in to be evicted again: leave it to
  // demand paging.
  const long phys = sysconf(_SC_PHYS_PAGES);
  if (phys > 0 && bytes.size() / page > size_t(phys) / 2) return;
  const size_t chunk = size_t(16) << 20;
  uint8_t* base = const_cast<uint8_t*>(bytes.data());
  const uintptr_t aligned = reinterpret_cast<uintptr_t>(base) & ~uintptr_t(page - 1);
  madvise(reinterpret_cast<void*>(aligned), bytes.size() + (reinterpret_cast<uintptr_t>(base) - aligned), MADV_WILLNEED);
  ProgressBar bar("loading weights", bytes.size(), show);
  volatile uint8_t sink = 0;
  uint8_t acc = 0;
  for (size_t off = 0; off < bytes.size(); off += chunk) {
    const size_t end = std::min(bytes.size(), off + chunk);
    for (size_t k = off; k < end; k += page) acc ^= bytes[k];  // one read per page faults it in
    bar.set(end);
  }
  sink = acc;
  (void)sink;
}

#define TRY_ASSIGN(lhs, expr)                      \
  do {                                             \
    auto _r = (expr);                              \
    if (!_r) return std::unexpected(_r.error());   \
    lhs = *_r;                                     \
  } while (0)

Result<ModelConfig> read_config(const GgufFile& g) {
  ModelConfig c;
  auto arch = g.get_string("general.architecture");
  if (!arch) return std::unexpected(arch.error());
  if (!*arch) return std::unexpected(err("model: missing metadata 'general.architecture'"));
  c.arch = **arch;
  if (c.arch != "llama") return std::unexpected(err(sformat("model: unsupported architecture '{}' (need 'llama')", c.arch)));
  if (auto name = g.get_string("general.name"); name && *name) c.name = **name;

  auto req_int = [&](const std::string& key, int& out, std::optional<int> def, int64_t lo, int64_t hi) -> Result<void> {
    auto v = g.get_u64(key);
    if (!v) return std::unexpected(v.error());
    if (!*v) {
      if (!def) return std::unexpected(err(sformat("model: missing metadata '{}'", key)));
      out = *def;
      return {};
    }
    if (int64_t(**v) < lo || int64_t(**v) > hi)
      return std::unexpected(err(sformat("model: metadata '{}' = {} out of range [{}, {}]", key, **v, lo, hi)));
    out = int(**v);
    return {};
  };
  const std::string p = "llama.";
  if (auto r = req_int(p + "embedding_length", c.dim, std::nullopt, 1, 1 << 16); !r) return std::unexpected(r.error());
  if (auto r = req_int(p + "block_count", c.n_layer, std::nullopt, 1, 1024); !r) return std::unexpected(r.error());
  if (auto r = req_int(p + "attention.head_count", c.n_head, std::nullopt, 1, 1024); !r) return std::unexpected(r.error());
  if (auto r = req_int(p + "attention.head_count_kv", c.n_kv_head, c.n_head, 1, 1024); !r) return std::unexpected(r.error());
  if (auto r = req_int(p + "context_length", c.n_ctx_train, 4096, 1, 1 << 24); !r) return std::unexpected(r.error());
  if (auto r = req_int(p + "expert_count", c.n_expert, 0, 0, 1024); !r) return std::unexpected(r.error());
  if (auto r = req_int(p + "expert_used_count", c.n_expert_used, c.n_expert ? std::optional<int>{} : 0, 0, 1024); !r)
    return std::unexpected(r.error());
  if (c.dim % c.n_head != 0) return std::unexpected(err("model: embedding_length not divisible by attention.head_count"));
  c.head_dim = c.dim / c.n_head;
  if (c.n_head % c.n_kv_head != 0) return std::unexpected(err("model: attention.head_count not divisible by head_count_kv"));
  if (auto r = req_int(p + "rope.dimension_count", c.rope_dim, c.head_dim, 2, c.head_dim); !r) return std::unexpected(r.error());
  if (c.rope_dim % 2 != 0) return std::unexpected(err("model: rope.dimension_count must be even"));
  if (c.n_expert > 0 && (c.n_expert_used < 1 || c.n_expert_used > c.n_expert))
    return std::unexpected(err("model: expert_used_count must be in [1, expert_count]"));
  auto base = g.get_f64(p + "rope.freq_base");
  if (!base) return std::unexpected(base.error());
  if (*base) c.rope_freq_base = float(**base);
  auto eps = g.get_f64(p + "attention.layer_norm_rms_epsilon");
  if (!eps) return std::unexpected(eps.error());
  if (*eps) c.rms_eps = float(**eps);
  if (!(c.rope_freq_base > 0) || !(c.rms_eps > 0)) return std::unexpected(err("model: rope.freq_base and rms epsilon must be > 0"));
  return c;
}

}  // namespace

Result<std::unique_ptr<Model>> Model::load(const std::string& path, const ModelLoadParams& params) {
  auto file = GgufFile::open(path);
  if (!file) return std::unexpected(file.error());
  std::unique_ptr<Model> m(new Model());
  m->gguf_ = std::shared_ptr<GgufFile>(std::move(*file));
  const GgufFile& g = *m->gguf_;
  auto cfg = read_config(g);
  if (!cfg) return std::unexpected(cfg.error());
  ModelConfig& c = m->config_ = *cfg;
  m->w_ = std::make_unique<Weights>();
  Weights& w = *m->w_;
  Loader L{g};

  const GgufTensorInfo* embd = g.find_tensor("token_embd.weight");
  if (!embd) return std::unexpected(err("model: missing tensor 'token_embd.weight'"));
  if (embd->n_dims != 2 || embd->ne[0] != c.dim || embd->ne[1] < 1 || embd->ne[1] > (1 << 22))
    return std::unexpected(err(sformat("model: tensor 'token_embd.weight' has shape {}, expected [{}, n_vocab]", embd->shape_string(), c.dim)));
  c.n_vocab = int(embd->ne[1]);
  TRY_ASSIGN(w.token_embd, L.matrix("token_embd.weight", c.dim, c.n_vocab));
  if (g.find_tensor("output.weight")) TRY_ASSIGN(w.output, L.matrix("output.weight", c.dim, c.n_vocab));
  else w.output = w.token_embd;  // tied embeddings
  TRY_ASSIGN(w.output_norm, L.vector("output_norm.weight", c.dim, w.owned));

  const int64_t q_dim = int64_t(c.n_head) * c.head_dim, kv_dim = int64_t(c.n_kv_head) * c.head_dim;
  // FFN size from the first layer's tensors.
  if (c.n_expert == 0) {
    const GgufTensorInfo* t = g.find_tensor("blk.0.ffn_gate.weight");
    if (!t) return std::unexpected(err("model: missing tensor 'blk.0.ffn_gate.weight'"));
    c.n_ff = int(t->ne[1]);
    c.ffn_type = t->type;
  } else {
    const GgufTensorInfo* t = g.find_tensor("blk.0.ffn_gate_exps.weight");
    if (!t) t = g.find_tensor("blk.0.ffn_gate.0.weight");
    if (!t) return std::unexpected(err("model: missing tensor 'blk.0.ffn_gate_exps.weight' (or per-expert 'blk.0.ffn_gate.0.weight')"));
    c.n_ff = int(t->ne[1]);
    c.ffn_type = t->type;
  }
  if (c.n_ff < 1) return std::unexpected(err("model: bad FFN size"));

  w.layers.resize(size_t(c.n_layer));
  for (int l = 0; l < c.n_layer; ++l) {
    Layer& ly = w.layers[size_t(l)];
    const std::string b = "blk." + std::to_string(l) + ".";
    TRY_ASSIGN(ly.attn_norm, L.vector(b + "attn_norm.weight", c.dim, w.owned));
    TRY_ASSIGN(ly.ffn_norm, L.vector(b + "ffn_norm.weight", c.dim, w.owned));
    TRY_ASSIGN(ly.wq, L.matrix(b + "attn_q.weight", c.dim, q_dim));
    TRY_ASSIGN(ly.wk, L.matrix(b + "attn_k.weight", c.dim, kv_dim));
    TRY_ASSIGN(ly.wv, L.matrix(b + "attn_v.weight", c.dim, kv_dim));
    TRY_ASSIGN(ly.wo, L.matrix(b + "attn_output.weight", q_dim, c.dim));
    if (c.n_expert == 0) {
      TRY_ASSIGN(ly.ffn_gate, L.matrix(b + "ffn_gate.weight", c.dim, c.n_ff));
      TRY_ASSIGN(ly.ffn_up, L.matrix(b + "ffn_up.weight", c.dim, c.n_ff));
      TRY_ASSIGN(ly.ffn_down, L.matrix(b + "ffn_down.weight", c.n_ff, c.dim));
      continue;
    }
    TRY_ASSIGN(ly.gate_inp, L.matrix(b + "ffn_gate_inp.weight", c.dim, c.n_expert));
    if (g.find_tensor(b + "ffn_gate_exps.weight")) {
      const GgufTensorInfo *tg, *tu, *td;
      TRY_ASSIGN(tg, L.tensor(b + "ffn_gate_exps.weight", {c.dim, c.n_ff, c.n_expert}));
      TRY_ASSIGN(tu, L.tensor(b + "ffn_up_exps.weight", {c.dim, c.n_ff, c.n_expert}));
      TRY_ASSIGN(td, L.tensor(b + "ffn_down_exps.weight", {c.n_ff, c.dim, c.n_expert}));
      for (int e = 0; e < c.n_expert; ++e) {
        ly.gate_e.push_back(Loader::expert_slice(*tg, e));
        ly.up_e.push_back(Loader::expert_slice(*tu, e));
        ly.down_e.push_back(Loader::expert_slice(*td, e));
      }
    } else {
      for (int e = 0; e < c.n_expert; ++e) {
        const std::string s = "." + std::to_string(e) + ".weight";
        WeightMatrix wg, wu, wd;
        TRY_ASSIGN(wg, L.matrix(b + "ffn_gate" + s, c.dim, c.n_ff));
        TRY_ASSIGN(wu, L.matrix(b + "ffn_up" + s, c.dim, c.n_ff));
        TRY_ASSIGN(wd, L.matrix(b + "ffn_down" + s, c.n_ff, c.dim));
        ly.gate_e.push_back(wg);
        ly.up_e.push_back(wu);
        ly.down_e.push_back(wd);
      }
    }
  }
  if (params.prefault) {
    prefault(g.bytes(), progress_wanted(params.progress));
  }
  m->backend_ = make_cpu_backend({params.n_threads, params.isa});
  m->s_ = std::make_unique<Scratch>();
  return m;
}

size_t Model::weight_bytes() const {
  size_t total = 0;
  for (auto& t : gguf_->tensors()) total += t.n_bytes;
  return total;
}

size_t Model::weight_bytes_per_token() const {
  auto bytes = [](const WeightMatrix& m) { return size_t(m.rows) * m.row_bytes; };
  size_t total = bytes(w_->output);
  for (auto& ly : w_->layers) {
    total += bytes(ly.wq) + bytes(ly.wk) + bytes(ly.wv) + bytes(ly.wo);
    if (config_.n_expert == 0) {
      total += bytes(ly.ffn_gate) + bytes(ly.ffn_up) + bytes(ly.ffn_down);
    } else {
      total += bytes(ly.gate_inp);
      total += size_t(config_.n_expert_used) * (bytes(ly.gate_e[0]) + bytes(ly.up_e[0]) + bytes(ly.down_e[0]));
    }
  }
  return total;
}

size_t Model::weight_bytes_per_step(double n_experts_touched) const {
  if (config_.n_expert == 0) return weight_bytes_per_token();
  auto bytes = [](const WeightMatrix& m) { return size_t(m.rows) * m.row_bytes; };
  const auto& l0 = w_->layers[0];
  const double per_expert = double(bytes(l0.gate_e[0]) + bytes(l0.up_e[0]) + bytes(l0.down_e[0]));
  const double topk = double(config_.n_expert_used) * per_expert * double(config_.n_layer);
  return size_t(double(weight_bytes_per_token()) - topk + n_experts_touched * per_expert * double(config_.n_layer));
}

Result<void> Model::forward(KvCache& kv, std::span<const BatchToken> batch, float* logits) {
  const ModelConfig& c = config_;
  const int64_t n = int64_t(batch.size());
  if (n == 0) return {};
  if (kv.n_layer() != c.n_layer || kv.kv_dim() != int64_t(c.n_kv_head) * c.head_dim)
    return std::unexpected(err("forward: kv cache was made for another model"));
  // Validate the batch before touching anything: positions append (or rewrite) per sequence.
  std::vector<int> len(size_t(kv.n_seq_max()));
  for (int s = 0; s < kv.n_seq_max(); ++s) len[size_t(s)] = kv.seq_len(s);
  int64_t n_logits = 0;
  for (int64_t i = 0; i < n; ++i) {
    const BatchToken& t = batch[size_t(i)];
    if (t.token < 0 || t.token >= c.n_vocab) return std::unexpected(err(sformat("forward: token {} out of vocabulary ({})", t.token, c.n_vocab)));
    if (t.seq < 0 || t.seq >= kv.n_seq_max()) return std::unexpected(err(sformat("forward: sequence {} out of range", t.seq)));
    if (t.pos < 0 || t.pos >= kv.n_ctx()) return std::unexpected(err(sformat("forward: position {} outside context {}", t.pos, kv.n_ctx())));
    if (t.pos > len[size_t(t.seq)])
      return std::unexpected(err(sformat("forward: position {} of sequence {} skips positions (length {})", t.pos, t.seq, len[size_t(t.seq)])));
    len[size_t(t.seq)] = t.pos + 1;
    n_logits += t.want_logits;
  }
  if (n_logits > 0 && !logits) return std::unexpected(err("forward: logits requested but no output buffer"));

  Scratch& s = *s_;
  Backend& be = *backend_;
  const int64_t dim = c.dim, hd = c.head_dim, q_dim = int64_t(c.n_head) * hd, kv_dim = int64_t(c.n_kv_head) * hd;
  const int64_t ff = c.n_ff;
  grow(s.x, size_t(n * dim));
  grow(s.xb, size_t(n * dim));
  grow(s.q, size_t(n * q_dim));
  grow(s.k, size_t(n * kv_dim));
  grow(s.v, size_t(n * kv_dim));
  grow(s.att, size_t(n * q_dim));
  grow(s.tmp, size_t(n * dim));

  // x = embed(token)
  for (int64_t i = 0; i < n; ++i) {
    const WeightMatrix& e = w_->token_embd;
    dequantize_row(e.type, e.data + size_t(batch[size_t(i)].token) * e.row_bytes, &s.x[size_t(i * dim)], dim);
  }

  // Element-wise work on a few tokens is cheaper than a dispatch.
  auto par = [&](int64_t count, int64_t min_parallel, const std::function<void(int64_t, int64_t)>& fn) {
    if (count < min_parallel) fn(0, count);
    else be.parallel_for(count, fn);
  };
  auto rms_rows = [&](const float* weight) {
    par(n, 8, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) cpu::rms_norm(&s.xb[size_t(i * dim)], &s.x[size_t(i * dim)], weight, dim, c.rms_eps);
    });
  };
  auto add_residual = [&](const float* delta) {
    for (int64_t k = 0; k < n * dim; ++k) s.x[size_t(k)] += delta[k];
  };

  const float att_scale = 1.0f / std::sqrt(float(hd));
  const bool kv_f16 = kv.type() == KvType::f16;
  const int group = c.n_head / c.n_kv_head;

  for (int l = 0; l < c.n_layer; ++l) {
    const Layer& ly = w_->layers[size_t(l)];
    // ---- attention: h = x + Wo . Attn(RoPE(Wq xb), RoPE(Wk xb), Wv xb)
    rms_rows(ly.attn_norm);
    s.a_in.reset();
    {
      auto job = [&](const WeightMatrix& wm, float* y, int64_t stride) {
        ActType at = act_type_for(wm.type);
        return MatmulJob{wm, quantized(be, s.a_in, at, s.xb.data(), n, dim), act_row_bytes(at, dim), nullptr, n, y, stride};
      };
      MatmulJob jobs[3] = {job(ly.wq, s.q.data(), q_dim), job(ly.wk, s.k.data(), kv_dim), job(ly.wv, s.v.data(), kv_dim)};
      be.matmul(jobs);
    }
    par(n, 8, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const BatchToken& t = batch[size_t(i)];
        cpu::rope(&s.q[size_t(i * q_dim)], c.n_head, int(hd), c.rope_dim, t.pos, c.rope_freq_base);
        cpu::rope(&s.k[size_t(i * kv_dim)], c.n_kv_head, int(hd), c.rope_dim, t.pos, c.rope_freq_base);
        if (kv_f16) {
          cpu::f32_to_f16_row(&s.k[size_t(i * kv_dim)], kv.k16(l, t.seq, t.pos), kv_dim);
          cpu::f32_to_f16_row(&s.v[size_t(i * kv_dim)], kv.v16(l, t.seq, t.pos), kv_dim);
        } else {
          std::copy_n(&s.k[size_t(i * kv_dim)], kv_dim, kv.k(l, t.seq, t.pos));
          std::copy_n(&s.v[size_t(i * kv_dim)], kv_dim, kv.v(l, t.seq, t.pos));
        }
      }
    });
    int64_t att_work = 0;  // multiply-adds, to skip the dispatch for tiny attention
    for (int64_t i = 0; i < n; ++i) att_work += int64_t(batch[size_t(i)].pos + 1) * q_dim * 2;
    // One task per (token, KV head): the group's query heads share each K/V row load.
    par(n * c.n_kv_head, att_work < (1 << 16) ? INT64_MAX : 2, [&](int64_t b, int64_t e) {
      std::vector<float> scores;
      for (int64_t task = b; task < e; ++task) {
        const int64_t i = task / c.n_kv_head;
        const int kvh = int(task % c.n_kv_head);
        const BatchToken& t = batch[size_t(i)];
        scores.resize(size_t(group) * size_t(t.pos + 1));
        const int64_t h0 = int64_t(kvh) * group;
        const float* q = &s.q[size_t(i * q_dim + h0 * hd)];
        float* out = &s.att[size_t(i * q_dim + h0 * hd)];
        if (kv_f16)
          cpu::attention_f16(q, group, hd, kv.k16(l, t.seq, 0) + kvh * hd, kv.v16(l, t.seq, 0) + kvh * hd, kv_dim, t.pos + 1,
                             att_scale, out, scores.data());
        else
          cpu::attention(q, group, hd, kv.k(l, t.seq, 0) + kvh * hd, kv.v(l, t.seq, 0) + kvh * hd, kv_dim, t.pos + 1, att_scale,
                         out, scores.data());
      }
    });
    {
      ActBuffers& ab = s.a_hidden;
      ab.reset();
      ActType at = act_type_for(ly.wo.type);
      MatmulJob job{ly.wo, quantized(be, ab, at, s.att.data(), n, q_dim), act_row_bytes(at, q_dim), nullptr, n, s.tmp.data(), dim};
      be.matmul({&job, 1});
    }
    add_residual(s.tmp.data());

    // ---- feed-forward: x = h + FFN(rms(h))
    rms_rows(ly.ffn_norm);
    s.a_in.reset();
    if (c.n_expert == 0) {
      grow(s.hg, size_t(n * ff));
      grow(s.hu, size_t(n * ff));
      ActType at = act_type_for(ly.ffn_gate.type), au = act_type_for(ly.ffn_up.type);
      MatmulJob jobs[2] = {
          {ly.ffn_gate, quantized(be, s.a_in, at, s.xb.data(), n, dim), act_row_bytes(at, dim), nullptr, n, s.hg.data(), ff},
          {ly.ffn_up, quantized(be, s.a_in, au, s.xb.data(), n, dim), act_row_bytes(au, dim), nullptr, n, s.hu.data(), ff}};
      be.matmul(jobs);
      par(n, 8, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) cpu::swiglu(&s.hg[size_t(i * ff)], &s.hu[size_t(i * ff)], ff);
      });
      s.a_hidden.reset();
      ActType ad = act_type_for(ly.ffn_down.type);
      MatmulJob down{ly.ffn_down, quantized(be, s.a_hidden, ad, s.hg.data(), n, ff), act_row_bytes(ad, ff), nullptr, n, s.tmp.data(), dim};
      be.matmul({&down, 1});
      add_residual(s.tmp.data());
      continue;
    }

    // MoE: route, group (token, expert) slots by expert, run each expert once on its tokens.
    const int E = c.n_expert, K = c.n_expert_used;
    grow(s.router, size_t(n * E));
    {
      ActType ar = act_type_for(ly.gate_inp.type);
      MatmulJob job{ly.gate_inp, quantized(be, s.a_in, ar, s.xb.data(), n, dim), act_row_bytes(ar, dim), nullptr, n, s.router.data(), E};
      be.matmul({&job, 1});
    }
    grow(s.token_expert, size_t(n * K));
    grow(s.token_weight, size_t(n * K));
    s.expert_offset.assign(size_t(E + 1), 0);
    for (int64_t i = 0; i < n; ++i) {
      float* p = &s.router[size_t(i * E)];
      cpu::softmax(p, E);
      int32_t* chosen = &s.token_expert[size_t(i * K)];
      float* wsel = &s.token_weight[size_t(i * K)];
      float sum = 0;
      for (int k = 0; k < K; ++k) {  // top-k by probability, lowest index first on ties
        int best = -1;
        for (int e = 0; e < E; ++e) {
          bool taken = false;
          for (int j = 0; j < k; ++j) taken |= chosen[j] == e;
          if (!taken && (best < 0 || p[e] > p[best])) best = e;
        }
        chosen[k] = best;
        wsel[k] = p[best];
        sum += p[best];
        s.expert_offset[size_t(best + 1)]++;
      }
      for (int k = 0; k < K; ++k) wsel[k] /= sum;
    }
    for (int e = 0; e < E; ++e) s.expert_offset[size_t(e + 1)] += s.expert_offset[size_t(e)];
    const int64_t n_slots = n * K;
    grow(s.slot_token, size_t(n_slots));
    grow(s.slot_weight, size_t(n_slots));
    {
      std::vector<int32_t> fill(s.expert_offset.begin(), s.expert_offset.end() - 1);
      for (int64_t i = 0; i < n; ++i)
        for (int k = 0; k < K; ++k) {
          int e = s.token_expert[size_t(i * K + k)];
          int32_t slot = fill[size_t(e)]++;
          s.slot_token[size_t(slot)] = int32_t(i);
          s.slot_weight[size_t(slot)] = s.token_weight[size_t(i * K + k)];
        }
    }
    grow(s.hg, size_t(n_slots * ff));
    grow(s.hu, size_t(n_slots * ff));
    grow(s.dout, size_t(n_slots * dim));
    std::vector<MatmulJob> jobs;
    for (int e = 0; e < E; ++e) {
      const int32_t off = s.expert_offset[size_t(e)], cnt = s.expert_offset[size_t(e + 1)] - off;
      if (cnt == 0) continue;
      ActType ag = act_type_for(ly.gate_e[size_t(e)].type), au = act_type_for(ly.up_e[size_t(e)].type);
      jobs.push_back({ly.gate_e[size_t(e)], quantized(be, s.a_in, ag, s.xb.data(), n, dim), act_row_bytes(ag, dim),
                      &s.slot_token[size_t(off)], cnt, &s.hg[size_t(off * ff)], ff});
      jobs.push_back({ly.up_e[size_t(e)], quantized(be, s.a_in, au, s.xb.data(), n, dim), act_row_bytes(au, dim),
                      &s.slot_token[size_t(off)], cnt, &s.hu[size_t(off * ff)], ff});
    }
    be.matmul(jobs);
    par(n_slots, 8, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) cpu::swiglu(&s.hg[size_t(i * ff)], &s.hu[size_t(i * ff)], ff);
    });
    s.a_hidden.reset();
    jobs.clear();
    for (int e = 0; e < E; ++e) {
      const int32_t off = s.expert_offset[size_t(e)], cnt = s.expert_offset[size_t(e + 1)] - off;
      if (cnt == 0) continue;
      ActType ad = act_type_for(ly.down_e[size_t(e)].type);
      const size_t rb = act_row_bytes(ad, ff);
      const uint8_t* hq = quantized(be, s.a_hidden, ad, s.hg.data(), n_slots, ff);
      jobs.push_back({ly.down_e[size_t(e)], hq + size_t(off) * rb, rb, nullptr, cnt, &s.dout[size_t(off * dim)], dim});
    }
    be.matmul(jobs);
    for (int64_t slot = 0; slot < n_slots; ++slot) {
      float* x = &s.x[size_t(s.slot_token[size_t(slot)] * dim)];
      const float* d = &s.dout[size_t(slot * dim)];
      const float wgt = s.slot_weight[size_t(slot)];
      for (int64_t j = 0; j < dim; ++j) x[j] += wgt * d[j];
    }
  }

  for (int sq = 0; sq < kv.n_seq_max(); ++sq) kv.set_seq_len(sq, len[size_t(sq)]);  // last position written + 1
  if (n_logits == 0) return {};
  // logits = output . rms(x) for the tokens that want them
  grow(s.fin, size_t(n_logits * dim));
  int64_t r = 0;
  for (int64_t i = 0; i < n; ++i)
    if (batch[size_t(i)].want_logits) cpu::rms_norm(&s.fin[size_t(r++ * dim)], &s.x[size_t(i * dim)], w_->output_norm, dim, c.rms_eps);
  s.a_in.reset();
  ActType ao = act_type_for(w_->output.type);
  MatmulJob job{w_->output, quantized(be, s.a_in, ao, s.fin.data(), n_logits, dim), act_row_bytes(ao, dim), nullptr, n_logits, logits, c.n_vocab};
  be.matmul({&job, 1});
  return {};
}

}  // namespace switchyard::engine
