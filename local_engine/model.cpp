// Llama / Mixtral loading: GGUF metadata -> ModelConfig, tensors -> weight views (the
// forward is in model_forward.cpp).
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


namespace {

Error err(std::string m) { return Error{std::move(m)}; }

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
  m->init_scratch();
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

}  // namespace switchyard::engine
