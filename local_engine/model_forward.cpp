// Model::forward as a sequence of named steps, in the style of llama2.c's run.c:
//
//   embed -> for each layer { attention ; dense_ffn | moe_ffn } -> logits
//
// attention = rms_norm -> qkv -> rope_and_store_kv -> attend -> output projection (+ residual)
// moe_ffn   = rms_norm -> route -> group_by_expert -> run_experts -> combine (+ residual)
//
// Every step reads and writes the buffers of one Scratch (shapes below); the batch holds
// tokens of many sequences at different positions (llama.cpp semantics).
#include <algorithm>
#include <cmath>
#include <functional>

#include "local_engine/cpu/kernels.h"
#include "local_engine/gguf_format.h"
#include "local_engine/model.h"

namespace switchyard::engine {

using detail::sformat;

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
  std::vector<int32_t> slot_token;     // [n_slots] token of each slot, grouped by expert
  std::vector<float> slot_weight;      // [n_slots]
  std::vector<int32_t> expert_offset;  // [n_expert + 1]
  std::vector<int32_t> token_expert;   // [n, k] chosen experts
  std::vector<float> token_weight;     // [n, k]
  ActBuffers a_in, a_hidden;
  std::vector<float> fin;     // F32 [n_logits, dim]
};

Model::Model() = default;
Model::~Model() = default;
void Model::init_scratch() { s_ = std::make_unique<Scratch>(); }

namespace {

Error err(std::string m) { return Error{std::move(m)}; }

template <class T>
void grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

// Everything the steps of one forward read.
struct Pass {
  const ModelConfig& c;
  const ModelWeights& w;
  Backend& be;
  Model::Scratch& s;
  KvCache& kv;
  std::span<const BatchToken> batch;
  int64_t n;  // tokens in the batch
  int64_t dim, hd, q_dim, kv_dim, ff;
};

// Element-wise work on a few rows is cheaper than a dispatch.
void par(Pass& p, int64_t count, int64_t min_parallel, const std::function<void(int64_t, int64_t)>& fn) {
  if (count < min_parallel) fn(0, count);
  else p.be.parallel_for(count, fn);
}

const uint8_t* quantized(Backend& be, ActBuffers& ab, ActType t, const float* x, int64_t n, int64_t cols) {
  const int slot = int(t);
  if (!ab.valid[slot]) {
    grow(ab.buf[slot], act_row_bytes(t, cols) * size_t(n));
    be.quantize_rows(t, x, n, cols, ab.buf[slot].data());
    ab.valid[slot] = true;
  }
  return ab.buf[slot].data();
}

// y: F32 [rows, y_stride] = W . x for the n rows of x (F32 [n, cols], quantized into ab).
MatmulJob job_over(Pass& p, ActBuffers& ab, const WeightMatrix& wm, const float* x, int64_t n, int64_t cols, float* y,
                   int64_t y_stride) {
  const ActType at = act_type_for(wm.type);
  return MatmulJob{wm, quantized(p.be, ab, at, x, n, cols), act_row_bytes(at, cols), nullptr, n, y, y_stride};
}

// Positions must append (or rewrite) per sequence; returns each slot's length afterwards.
Result<std::vector<int>> validate_batch(const ModelConfig& c, const KvCache& kv, std::span<const BatchToken> batch,
                                        int64_t* n_logits) {
  if (kv.n_layer() != c.n_layer || kv.kv_dim() != int64_t(c.n_kv_head) * c.head_dim)
    return std::unexpected(err("forward: kv cache was made for another model"));
  std::vector<int> len(size_t(kv.n_seq_max()));
  for (int s = 0; s < kv.n_seq_max(); ++s) len[size_t(s)] = kv.seq_len(s);
  *n_logits = 0;
  for (const BatchToken& t : batch) {
    if (t.token < 0 || t.token >= c.n_vocab) return std::unexpected(err(sformat("forward: token {} out of vocabulary ({})", t.token, c.n_vocab)));
    if (t.seq < 0 || t.seq >= kv.n_seq_max()) return std::unexpected(err(sformat("forward: sequence {} out of range", t.seq)));
    if (t.pos < 0 || t.pos >= kv.n_ctx()) return std::unexpected(err(sformat("forward: position {} outside context {}", t.pos, kv.n_ctx())));
    if (t.pos > len[size_t(t.seq)])
      return std::unexpected(err(sformat("forward: position {} of sequence {} skips positions (length {})", t.pos, t.seq, len[size_t(t.seq)])));
    len[size_t(t.seq)] = t.pos + 1;
    *n_logits += t.want_logits;
  }
  return len;
}

// x = token_embd[token] for every token of the batch.
void embed(Pass& p) {
  const WeightMatrix& e = p.w.token_embd;
  for (int64_t i = 0; i < p.n; ++i)
    dequantize_row(e.type, e.data + size_t(p.batch[size_t(i)].token) * e.row_bytes, &p.s.x[size_t(i * p.dim)], p.dim);
}

// xb = rms(x) * weight, row by row.
void rms_norm_rows(Pass& p, const float* weight) {
  par(p, p.n, 8, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) cpu::rms_norm(&p.s.xb[size_t(i * p.dim)], &p.s.x[size_t(i * p.dim)], weight, p.dim, p.c.rms_eps);
  });
}

// x += delta (F32 [n, dim])
void add_residual(Pass& p, const float* delta) {
  for (int64_t k = 0; k < p.n * p.dim; ++k) p.s.x[size_t(k)] += delta[k];
}

// q, k, v = Wq xb, Wk xb, Wv xb in one dispatch.
void qkv(Pass& p, const LayerWeights& ly) {
  p.s.a_in.reset();
  MatmulJob jobs[3] = {job_over(p, p.s.a_in, ly.wq, p.s.xb.data(), p.n, p.dim, p.s.q.data(), p.q_dim),
                       job_over(p, p.s.a_in, ly.wk, p.s.xb.data(), p.n, p.dim, p.s.k.data(), p.kv_dim),
                       job_over(p, p.s.a_in, ly.wv, p.s.xb.data(), p.n, p.dim, p.s.v.data(), p.kv_dim)};
  p.be.matmul(jobs);
}

// RoPE on q and k at each token's position, then k and v into the cache at (layer, seq, pos).
void rope_and_store_kv(Pass& p, int l) {
  const ModelConfig& c = p.c;
  const bool kv_f16 = p.kv.type() == KvType::f16;
  par(p, p.n, 8, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const BatchToken& t = p.batch[size_t(i)];
      float* k = &p.s.k[size_t(i * p.kv_dim)];
      const float* v = &p.s.v[size_t(i * p.kv_dim)];
      cpu::rope(&p.s.q[size_t(i * p.q_dim)], c.n_head, int(p.hd), c.rope_dim, t.pos, c.rope_freq_base);
      cpu::rope(k, c.n_kv_head, int(p.hd), c.rope_dim, t.pos, c.rope_freq_base);
      if (kv_f16) {
        cpu::f32_to_f16_row(k, p.kv.k16(l, t.seq, t.pos), p.kv_dim);
        cpu::f32_to_f16_row(v, p.kv.v16(l, t.seq, t.pos), p.kv_dim);
      } else {
        std::copy_n(k, p.kv_dim, p.kv.k(l, t.seq, t.pos));
        std::copy_n(v, p.kv_dim, p.kv.v(l, t.seq, t.pos));
      }
    }
  });
}

// att = softmax(q . K^T / sqrt(hd)) . V over positions [0, pos] of the token's sequence.
// One task per (token, KV head): the group's query heads share each K/V row load.
void attend(Pass& p, int l) {
  const ModelConfig& c = p.c;
  const float scale = 1.0f / std::sqrt(float(p.hd));
  const bool kv_f16 = p.kv.type() == KvType::f16;
  const int group = c.n_head / c.n_kv_head;
  int64_t work = 0;  // multiply-adds, to skip the dispatch for tiny attention
  for (const BatchToken& t : p.batch) work += int64_t(t.pos + 1) * p.q_dim * 2;
  par(p, p.n * c.n_kv_head, work < (1 << 16) ? INT64_MAX : 2, [&](int64_t b, int64_t e) {
    std::vector<float> scores;
    for (int64_t task = b; task < e; ++task) {
      const int64_t i = task / c.n_kv_head;
      const int kvh = int(task % c.n_kv_head);
      const BatchToken& t = p.batch[size_t(i)];
      scores.resize(size_t(group) * size_t(t.pos + 1));
      const int64_t h0 = int64_t(kvh) * group;
      const float* q = &p.s.q[size_t(i * p.q_dim + h0 * p.hd)];
      float* out = &p.s.att[size_t(i * p.q_dim + h0 * p.hd)];
      if (kv_f16)
        cpu::attention_f16(q, group, p.hd, p.kv.k16(l, t.seq, 0) + kvh * p.hd, p.kv.v16(l, t.seq, 0) + kvh * p.hd, p.kv_dim,
                           t.pos + 1, scale, out, scores.data());
      else
        cpu::attention(q, group, p.hd, p.kv.k(l, t.seq, 0) + kvh * p.hd, p.kv.v(l, t.seq, 0) + kvh * p.hd, p.kv_dim, t.pos + 1,
                       scale, out, scores.data());
    }
  });
}

// x += Wo . Attn(RoPE(Wq xb), RoPE(Wk xb), Wv xb), xb = rms(x)
void attention(Pass& p, int l) {
  const LayerWeights& ly = p.w.layers[size_t(l)];
  rms_norm_rows(p, ly.attn_norm);
  qkv(p, ly);
  rope_and_store_kv(p, l);
  attend(p, l);
  p.s.a_hidden.reset();
  MatmulJob out = job_over(p, p.s.a_hidden, ly.wo, p.s.att.data(), p.n, p.q_dim, p.s.tmp.data(), p.dim);
  p.be.matmul({&out, 1});
  add_residual(p, p.s.tmp.data());
}

// x += W_down . (silu(W_gate xb) * W_up xb), xb = rms(x)
void dense_ffn(Pass& p, const LayerWeights& ly) {
  Model::Scratch& s = p.s;
  rms_norm_rows(p, ly.ffn_norm);
  grow(s.hg, size_t(p.n * p.ff));
  grow(s.hu, size_t(p.n * p.ff));
  s.a_in.reset();
  MatmulJob jobs[2] = {job_over(p, s.a_in, ly.ffn_gate, s.xb.data(), p.n, p.dim, s.hg.data(), p.ff),
                       job_over(p, s.a_in, ly.ffn_up, s.xb.data(), p.n, p.dim, s.hu.data(), p.ff)};
  p.be.matmul(jobs);
  par(p, p.n, 8, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) cpu::swiglu(&s.hg[size_t(i * p.ff)], &s.hu[size_t(i * p.ff)], p.ff);
  });
  s.a_hidden.reset();
  MatmulJob down = job_over(p, s.a_hidden, ly.ffn_down, s.hg.data(), p.n, p.ff, s.tmp.data(), p.dim);
  p.be.matmul({&down, 1});
  add_residual(p, s.tmp.data());
}

// Router: softmax(W_gate_inp xb) per token, its top-k experts (lowest index first on ties)
// and their probabilities renormalized to sum 1. Counts each expert's slots in expert_offset.
void route(Pass& p, const LayerWeights& ly) {
  Model::Scratch& s = p.s;
  const int E = p.c.n_expert, K = p.c.n_expert_used;
  grow(s.router, size_t(p.n * E));
  MatmulJob job = job_over(p, s.a_in, ly.gate_inp, s.xb.data(), p.n, p.dim, s.router.data(), E);
  p.be.matmul({&job, 1});
  grow(s.token_expert, size_t(p.n * K));
  grow(s.token_weight, size_t(p.n * K));
  s.expert_offset.assign(size_t(E + 1), 0);
  for (int64_t i = 0; i < p.n; ++i) {
    float* prob = &s.router[size_t(i * E)];
    cpu::softmax(prob, E);
    int32_t* chosen = &s.token_expert[size_t(i * K)];
    float* weight = &s.token_weight[size_t(i * K)];
    float sum = 0;
    for (int k = 0; k < K; ++k) {
      int best = -1;
      for (int e = 0; e < E; ++e) {
        const bool taken = std::find(chosen, chosen + k, e) != chosen + k;
        if (!taken && (best < 0 || prob[e] > prob[best])) best = e;
      }
      chosen[k] = best;
      weight[k] = prob[best];
      sum += prob[best];
      s.expert_offset[size_t(best + 1)]++;
    }
    for (int k = 0; k < K; ++k) weight[k] /= sum;
  }
}

// Lays the (token, expert) slots out grouped by expert: expert e's slots are
// [expert_offset[e], expert_offset[e + 1]), each naming its token and routing weight.
void group_by_expert(Pass& p) {
  Model::Scratch& s = p.s;
  const int E = p.c.n_expert, K = p.c.n_expert_used;
  for (int e = 0; e < E; ++e) s.expert_offset[size_t(e + 1)] += s.expert_offset[size_t(e)];
  grow(s.slot_token, size_t(p.n * K));
  grow(s.slot_weight, size_t(p.n * K));
  std::vector<int32_t> fill(s.expert_offset.begin(), s.expert_offset.end() - 1);
  for (int64_t i = 0; i < p.n; ++i)
    for (int k = 0; k < K; ++k) {
      const int e = s.token_expert[size_t(i * K + k)];
      const int32_t slot = fill[size_t(e)]++;
      s.slot_token[size_t(slot)] = int32_t(i);
      s.slot_weight[size_t(slot)] = s.token_weight[size_t(i * K + k)];
    }
}

// dout[slot] = W_down_e . (silu(W_gate_e xb[token]) * W_up_e xb[token]): each expert runs
// once over its slots (gate and up of all experts in one dispatch, then all downs).
void run_experts(Pass& p, const LayerWeights& ly) {
  Model::Scratch& s = p.s;
  const int E = p.c.n_expert;
  const int64_t n_slots = p.n * p.c.n_expert_used, ff = p.ff, dim = p.dim;
  grow(s.hg, size_t(n_slots * ff));
  grow(s.hu, size_t(n_slots * ff));
  grow(s.dout, size_t(n_slots * dim));
  std::vector<MatmulJob> jobs;
  for (int e = 0; e < E; ++e) {
    const int32_t off = s.expert_offset[size_t(e)], cnt = s.expert_offset[size_t(e + 1)] - off;
    if (cnt == 0) continue;
    MatmulJob gate = job_over(p, s.a_in, ly.gate_e[size_t(e)], s.xb.data(), p.n, dim, &s.hg[size_t(off * ff)], ff);
    MatmulJob up = job_over(p, s.a_in, ly.up_e[size_t(e)], s.xb.data(), p.n, dim, &s.hu[size_t(off * ff)], ff);
    gate.act_index = up.act_index = &s.slot_token[size_t(off)];
    gate.n = up.n = cnt;
    jobs.push_back(gate);
    jobs.push_back(up);
  }
  p.be.matmul(jobs);
  par(p, n_slots, 8, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) cpu::swiglu(&s.hg[size_t(i * ff)], &s.hu[size_t(i * ff)], ff);
  });
  s.a_hidden.reset();
  jobs.clear();
  for (int e = 0; e < E; ++e) {
    const int32_t off = s.expert_offset[size_t(e)], cnt = s.expert_offset[size_t(e + 1)] - off;
    if (cnt == 0) continue;
    const ActType ad = act_type_for(ly.down_e[size_t(e)].type);
    const size_t rb = act_row_bytes(ad, ff);
    const uint8_t* hq = quantized(p.be, s.a_hidden, ad, s.hg.data(), n_slots, ff);
    jobs.push_back({ly.down_e[size_t(e)], hq + size_t(off) * rb, rb, nullptr, cnt, &s.dout[size_t(off * dim)], dim});
  }
  p.be.matmul(jobs);
}

// x[token] += routing weight * dout[slot] for every slot.
void combine(Pass& p) {
  Model::Scratch& s = p.s;
  const int64_t n_slots = p.n * p.c.n_expert_used;
  for (int64_t slot = 0; slot < n_slots; ++slot) {
    float* x = &s.x[size_t(s.slot_token[size_t(slot)] * p.dim)];
    const float* d = &s.dout[size_t(slot * p.dim)];
    const float wgt = s.slot_weight[size_t(slot)];
    for (int64_t j = 0; j < p.dim; ++j) x[j] += wgt * d[j];
  }
}

// x += sum over the top-k experts e of weight_e * FFN_e(rms(x))
void moe_ffn(Pass& p, const LayerWeights& ly) {
  rms_norm_rows(p, ly.ffn_norm);
  p.s.a_in.reset();
  route(p, ly);
  group_by_expert(p);
  run_experts(p, ly);
  combine(p);
}

// logits: F32 [n_logits, n_vocab] = output . rms(x) for the tokens that want them.
void output_logits(Pass& p, int64_t n_logits, float* logits) {
  Model::Scratch& s = p.s;
  grow(s.fin, size_t(n_logits * p.dim));
  int64_t r = 0;
  for (int64_t i = 0; i < p.n; ++i)
    if (p.batch[size_t(i)].want_logits)
      cpu::rms_norm(&s.fin[size_t(r++ * p.dim)], &s.x[size_t(i * p.dim)], p.w.output_norm, p.dim, p.c.rms_eps);
  s.a_in.reset();
  MatmulJob job = job_over(p, s.a_in, p.w.output, s.fin.data(), n_logits, p.dim, logits, p.c.n_vocab);
  p.be.matmul({&job, 1});
}

void size_scratch(Pass& p) {
  Model::Scratch& s = p.s;
  grow(s.x, size_t(p.n * p.dim));
  grow(s.xb, size_t(p.n * p.dim));
  grow(s.q, size_t(p.n * p.q_dim));
  grow(s.k, size_t(p.n * p.kv_dim));
  grow(s.v, size_t(p.n * p.kv_dim));
  grow(s.att, size_t(p.n * p.q_dim));
  grow(s.tmp, size_t(p.n * p.dim));
}

}  // namespace

Result<void> Model::forward(KvCache& kv, std::span<const BatchToken> batch, float* logits) {
  const ModelConfig& c = config_;
  if (batch.empty()) return {};
  int64_t n_logits = 0;
  auto len = validate_batch(c, kv, batch, &n_logits);
  if (!len) return std::unexpected(len.error());
  if (n_logits > 0 && !logits) return std::unexpected(err("forward: logits requested but no output buffer"));

  const int64_t hd = c.head_dim;
  Pass p{c, *w_, *backend_, *s_, kv, batch, int64_t(batch.size()), c.dim, hd, c.n_head * hd, c.n_kv_head * hd, c.n_ff};
  size_scratch(p);
  embed(p);
  for (int l = 0; l < c.n_layer; ++l) {
    attention(p, l);
    if (c.n_expert == 0) dense_ffn(p, w_->layers[size_t(l)]);
    else moe_ffn(p, w_->layers[size_t(l)]);
  }
  for (int sq = 0; sq < kv.n_seq_max(); ++sq) kv.set_seq_len(sq, (*len)[size_t(sq)]);  // last position written + 1
  if (n_logits > 0) output_logits(p, n_logits, logits);
  return {};
}

}  // namespace switchyard::engine
