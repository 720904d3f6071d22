// Model forward against an independent naive implementation written here (plain loops in
// double over dequantized weights; no engine kernels), for dense and MoE models and both
// expert layouts; batched forward of several sequences equals each sequence run alone.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "local_engine/demo_model.h"
#include "local_engine/gguf.h"
#include "local_engine/model.h"
#include "local_engine/quant.h"

using namespace switchyard::engine;

namespace {

std::string temp_path(const std::string& tag) {
  return "/tmp/switchyard_model_test_" + std::to_string(::getpid()) + "_" + tag + ".gguf";
}

using Mat = std::vector<std::vector<double>>;  // [rows][cols]

// Naive llama/Mixtral: everything dequantized to double, one sequence at a time.
struct Naive {
  int dim, n_layer, n_head, n_kv, hd, ff, n_expert, k_used, n_vocab;
  double eps, base;
  Mat embd, out;
  std::vector<double> out_norm;
  struct Layer {
    std::vector<double> attn_norm, ffn_norm;
    Mat q, k, v, o, gate, up, down, router;
    std::vector<Mat> ge, ue, de;
  };
  std::vector<Layer> layers;

  static Mat mat(const GgufFile& g, const std::string& name, int64_t slice = -1) {
    const GgufTensorInfo* t = g.find_tensor(name);
    REQUIRE(t);
    const int64_t cols = t->ne[0], rows = t->ne[1];
    const size_t rb = *ggml_row_size(t->type, cols);
    const uint8_t* base = t->data + (slice >= 0 ? size_t(slice) * size_t(rows) * rb : 0);
    Mat m(static_cast<size_t>(rows), std::vector<double>(static_cast<size_t>(cols)));
    std::vector<float> row(static_cast<size_t>(cols));
    for (int64_t r = 0; r < rows; ++r) {
      dequantize_row(t->type, base + size_t(r) * rb, row.data(), cols);
      for (int64_t c = 0; c < cols; ++c) m[size_t(r)][size_t(c)] = row[size_t(c)];
    }
    return m;
  }
  static std::vector<double> vec(const GgufFile& g, const std::string& name) { return mat(g, name)[0]; }

  explicit Naive(const GgufFile& g) {
    auto u = [&](const char* k) { return int(g.find(k) ? g.find(k)->u : 0); };
    dim = u("llama.embedding_length");
    n_layer = u("llama.block_count");
    n_head = u("llama.attention.head_count");
    n_kv = u("llama.attention.head_count_kv");
    n_expert = u("llama.expert_count");
    k_used = u("llama.expert_used_count");
    hd = dim / n_head;
    eps = g.find("llama.attention.layer_norm_rms_epsilon")->f;
    base = g.find("llama.rope.freq_base")->f;
    embd = mat(g, "token_embd.weight");
    n_vocab = int(embd.size());
    out = g.find_tensor("output.weight") ? mat(g, "output.weight") : embd;
    out_norm = vec(g, "output_norm.weight");
    for (int l = 0; l < n_layer; ++l) {
      std::string b = "blk." + std::to_string(l) + ".";
      Layer L;
      L.attn_norm = vec(g, b + "attn_norm.weight");
      L.ffn_norm = vec(g, b + "ffn_norm.weight");
      L.q = mat(g, b + "attn_q.weight");
      L.k = mat(g, b + "attn_k.weight");
      L.v = mat(g, b + "attn_v.weight");
      L.o = mat(g, b + "attn_output.weight");
      if (n_expert == 0) {
        L.gate = mat(g, b + "ffn_gate.weight");
        L.up = mat(g, b + "ffn_up.weight");
        L.down = mat(g, b + "ffn_down.weight");
        ff = int(L.gate.size());
      } else {
        L.router = mat(g, b + "ffn_gate_inp.weight");
        bool stacked = g.find_tensor(b + "ffn_gate_exps.weight") != nullptr;
        for (int e = 0; e < n_expert; ++e) {
          if (stacked) {
            L.ge.push_back(mat(g, b + "ffn_gate_exps.weight", e));
            L.ue.push_back(mat(g, b + "ffn_up_exps.weight", e));
            L.de.push_back(mat(g, b + "ffn_down_exps.weight", e));
          } else {
            std::string s = "." + std::to_string(e) + ".weight";
            L.ge.push_back(mat(g, b + "ffn_gate" + s));
            L.ue.push_back(mat(g, b + "ffn_up" + s));
            L.de.push_back(mat(g, b + "ffn_down" + s));
          }
        }
        ff = int(L.ge[0].size());
      }
      layers.push_back(std::move(L));
    }
  }

  static std::vector<double> matvec(const Mat& m, const std::vector<double>& x) {
    std::vector<double> y(m.size(), 0.0);
    for (size_t r = 0; r < m.size(); ++r)
      for (size_t c = 0; c < x.size(); ++c) y[r] += m[r][c] * x[c];
    return y;
  }
  std::vector<double> rms(const std::vector<double>& x, const std::vector<double>& w) const {
    double ss = 0;
    for (double v : x) ss += v * v;
    double s = 1.0 / std::sqrt(ss / double(x.size()) + eps);
    std::vector<double> y(x.size());
    for (size_t k = 0; k < x.size(); ++k) y[k] = x[k] * s * w[k];
    return y;
  }
  void rope(std::vector<double>& x, int heads, int pos) const {
    for (int h = 0; h < heads; ++h)
      for (int i = 0; i < hd / 2; ++i) {
        double theta = pos * std::pow(base, -2.0 * i / hd);
        double a = x[size_t(h * hd + 2 * i)], b = x[size_t(h * hd + 2 * i + 1)];
        x[size_t(h * hd + 2 * i)] = a * std::cos(theta) - b * std::sin(theta);
        x[size_t(h * hd + 2 * i + 1)] = a * std::sin(theta) + b * std::cos(theta);
      }
  }
  static double silu(double v) { return v / (1.0 + std::exp(-v)); }
  std::vector<double> ffn(const Mat& g, const Mat& u, const Mat& d, const std::vector<double>& y) const {
    auto a = matvec(g, y), b = matvec(u, y);
    for (size_t k = 0; k < a.size(); ++k) a[k] = silu(a[k]) * b[k];
    return matvec(d, a);
  }

  // Logits for every position of one sequence.
  std::vector<std::vector<double>> run(const std::vector<int>& tokens) const {
    std::vector<std::vector<std::vector<double>>> K(static_cast<size_t>(n_layer)), V(static_cast<size_t>(n_layer));
    std::vector<std::vector<double>> logits;
    for (size_t pos = 0; pos < tokens.size(); ++pos) {
      std::vector<double> x = embd[size_t(tokens[pos])];
      for (int l = 0; l < n_layer; ++l) {
        const Layer& L = layers[size_t(l)];
        auto xb = rms(x, L.attn_norm);
        auto q = matvec(L.q, xb), k = matvec(L.k, xb), v = matvec(L.v, xb);
        rope(q, n_head, int(pos));
        rope(k, n_kv, int(pos));
        K[size_t(l)].push_back(k);
        V[size_t(l)].push_back(v);
        std::vector<double> att(size_t(dim), 0.0);
        for (int h = 0; h < n_head; ++h) {
          int kvh = h / (n_head / n_kv);
          std::vector<double> sc(pos + 1);
          double mx = -1e300;
          for (size_t p = 0; p <= pos; ++p) {
            double d = 0;
            for (int j = 0; j < hd; ++j) d += q[size_t(h * hd + j)] * K[size_t(l)][p][size_t(kvh * hd + j)];
            sc[p] = d / std::sqrt(double(hd));
            mx = std::max(mx, sc[p]);
          }
          double sum = 0;
          for (auto& s : sc) sum += (s = std::exp(s - mx));
          for (size_t p = 0; p <= pos; ++p)
            for (int j = 0; j < hd; ++j) att[size_t(h * hd + j)] += sc[p] / sum * V[size_t(l)][p][size_t(kvh * hd + j)];
        }
        auto o = matvec(L.o, att);
        for (int j = 0; j < dim; ++j) x[size_t(j)] += o[size_t(j)];
        auto y = rms(x, L.ffn_norm);
        std::vector<double> f(size_t(dim), 0.0);
        if (n_expert == 0) {
          f = ffn(L.gate, L.up, L.down, y);
        } else {
          auto r = matvec(L.router, y);
          double mx = *std::max_element(r.begin(), r.end()), sum = 0;
          for (auto& v2 : r) sum += (v2 = std::exp(v2 - mx));
          for (auto& v2 : r) v2 /= sum;
          std::vector<int> idx(static_cast<size_t>(n_expert));
          for (int e = 0; e < n_expert; ++e) idx[size_t(e)] = e;
          std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return r[size_t(a)] > r[size_t(b)]; });
          double wsum = 0;
          for (int k2 = 0; k2 < k_used; ++k2) wsum += r[size_t(idx[size_t(k2)])];
          for (int k2 = 0; k2 < k_used; ++k2) {
            int e = idx[size_t(k2)];
            auto fe = ffn(L.ge[size_t(e)], L.ue[size_t(e)], L.de[size_t(e)], y);
            for (int j = 0; j < dim; ++j) f[size_t(j)] += r[size_t(e)] / wsum * fe[size_t(j)];
          }
        }
        for (int j = 0; j < dim; ++j) x[size_t(j)] += f[size_t(j)];
      }
      logits.push_back(matvec(out, rms(x, out_norm)));
    }
    return logits;
  }
};

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

}  // namespace

TEST_CASE("model: forward matches an independent naive implementation", "[model]") {
  // F32 weights keep activations in F32: tight tolerance. Quantized weights multiply with
  // 8-bit activations as llama.cpp does: a few percent of the logit range.
  auto [label, experts, stacked, type, tol] = GENERATE(table<const char*, int, bool, GgmlType, double>({
      {"dense f32", 0, true, GgmlType::f32, 1e-3},
      {"moe stacked f32", 4, true, GgmlType::f32, 1e-3},
      {"moe per-expert f32", 4, false, GgmlType::f32, 1e-3},
      {"moe stacked f16", 4, true, GgmlType::f16, 2e-3},
      {"moe stacked q8_0", 4, true, GgmlType::q8_0, 0.03},
      {"dense q4_0", 0, true, GgmlType::q4_0, 0.03},
      {"moe stacked q4_k", 4, true, GgmlType::q4_k, 0.03},
      {"moe stacked q6_k", 4, true, GgmlType::q6_k, 0.03},
  }));
  INFO(label);
  DemoModelParams p;
  p.n_expert = experts;
  p.stacked_experts = stacked;
  p.type = type;
  if (type == GgmlType::q4_k || type == GgmlType::q6_k) {
    p.dim = 256;
    p.n_ff = 256;
    p.n_head = 8;
    p.n_kv_head = 2;
  }
  p.n_threads = 2;
  std::string path = temp_path(label[0] == 'd' ? "dense" : "moe");
  REQUIRE(write_demo_model(path, p));
  auto model = Model::load(path, {2});
  REQUIRE(model.has_value());
  auto g = GgufFile::open(path);
  REQUIRE(g);
  Naive naive(**g);
  std::remove(path.c_str());
  Model& m = **model;
  CHECK(m.config().n_expert == experts);
  CHECK(m.config().n_vocab >= 300);

  std::vector<int> tokens = {1, 300, 17, 305, 42, 299, 5};
  auto expect = naive.run(tokens);
  auto kv = m.make_kv_cache(2, 64);
  REQUIRE(kv);
  std::vector<BatchToken> batch;
  for (size_t i = 0; i < tokens.size(); ++i) batch.push_back({tokens[i], int(i), 1, true});
  std::vector<float> logits(tokens.size() * size_t(m.config().n_vocab));
  REQUIRE(m.forward(*kv, batch, logits.data()));
  for (size_t i = 0; i < tokens.size(); ++i) {
    double scale = max_abs(expect[i]), worst = 0;
    for (int v = 0; v < m.config().n_vocab; ++v)
      worst = std::max(worst, std::fabs(double(logits[i * size_t(m.config().n_vocab) + size_t(v)]) - expect[i][size_t(v)]));
    INFO("position " << i << " max |diff| " << worst << " logit scale " << scale);
    CHECK(worst <= tol * scale);
  }
}

TEST_CASE("model: an F16 KV cache gives the F32 cache's logits to F16 precision", "[model]") {
  DemoModelParams p;
  p.n_threads = 2;
  std::string path = temp_path("kv16");
  REQUIRE(write_demo_model(path, p));
  auto model = Model::load(path, {2});
  std::remove(path.c_str());
  REQUIRE(model);
  Model& m = **model;
  const size_t V = size_t(m.config().n_vocab);
  auto kv32 = m.make_kv_cache(2, 32);
  auto kv16 = m.make_kv_cache(2, 32, KvType::f16);
  REQUIRE(kv32);
  REQUIRE(kv16);
  CHECK(kv16->bytes() * 2 == kv32->bytes());
  CHECK(KvCache::bytes_needed(m.config(), 2, 32, KvType::f16) == kv16->bytes());
  std::vector<int> tokens = {1, 300, 17, 305, 42, 299, 5, 7, 9};
  std::vector<BatchToken> pre;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) pre.push_back({tokens[i], int(i), 1, false});
  BatchToken last{tokens.back(), int(tokens.size() - 1), 1, true};
  std::vector<float> a(V), b(V);
  REQUIRE(m.forward(*kv32, pre, nullptr));
  REQUIRE(m.forward(*kv32, {&last, 1}, a.data()));
  REQUIRE(m.forward(*kv16, pre, nullptr));
  REQUIRE(m.forward(*kv16, {&last, 1}, b.data()));
  double scale = 0, worst = 0;
  for (size_t v = 0; v < V; ++v) {
    scale = std::max(scale, std::fabs(double(a[v])));
    worst = std::max(worst, std::fabs(double(a[v]) - double(b[v])));
  }
  INFO("max |diff| " << worst << " logit scale " << scale);
  CHECK(worst <= 1e-2 * scale);
}

TEST_CASE("model: batched forward of 3 sequences equals each run alone", "[model]") {
  DemoModelParams p;
  p.n_threads = 2;
  std::string path = temp_path("batch");
  REQUIRE(write_demo_model(path, p));
  auto model = Model::load(path, {2});
  std::remove(path.c_str());
  REQUIRE(model);
  Model& m = **model;
  const size_t V = size_t(m.config().n_vocab);
  std::vector<std::vector<int>> seqs = {{1, 10, 20, 30, 40}, {1, 300, 301}, {1, 7, 8, 9, 10, 11, 12}};

  // Alone: prefill all but the last token, then decode the last one; collect last logits.
  std::vector<std::vector<float>> alone;
  for (auto& s : seqs) {
    auto kv = m.make_kv_cache(1, 32);
    REQUIRE(kv);
    std::vector<BatchToken> pre;
    for (size_t i = 0; i + 1 < s.size(); ++i) pre.push_back({s[i], int(i), 0, false});
    REQUIRE(m.forward(*kv, pre, nullptr));
    std::vector<float> lg(V);
    BatchToken last{s.back(), int(s.size() - 1), 0, true};
    REQUIRE(m.forward(*kv, {&last, 1}, lg.data()));
    alone.push_back(lg);
  }
  // Together: interleaved prefill of all three in one batch (continuous batching), then a
  // decode step of all three at different positions.
  auto kv = m.make_kv_cache(4, 32);
  REQUIRE(kv);
  std::vector<BatchToken> pre;
  for (size_t i = 0; i < 7; ++i)
    for (size_t q = 0; q < seqs.size(); ++q)
      if (i + 1 < seqs[q].size()) pre.push_back({seqs[q][i], int(i), int(q) + 1, false});
  REQUIRE(m.forward(*kv, pre, nullptr));
  std::vector<BatchToken> step;
  for (size_t q = 0; q < seqs.size(); ++q) step.push_back({seqs[q].back(), int(seqs[q].size() - 1), int(q) + 1, true});
  std::vector<float> lg(V * 3);
  REQUIRE(m.forward(*kv, step, lg.data()));
  for (size_t q = 0; q < seqs.size(); ++q)
    for (size_t v = 0; v < V; ++v) REQUIRE(lg[q * V + v] == Approx(alone[q][v]).margin(1e-4));
  CHECK(kv->seq_len(3) == 7);
  kv->clear_seq(3);
  CHECK(kv->seq_len(3) == 0);
}

TEST_CASE("model: bad batches and bad files get clear errors", "[model]") {
  DemoModelParams p;
  p.n_threads = 2;
  std::string path = temp_path("bad");
  REQUIRE(write_demo_model(path, p));
  {
    auto model = Model::load(path, {1});
    REQUIRE(model);
    auto kv = (*model)->make_kv_cache(2, 16);
    REQUIRE(kv);
    BatchToken skip{1, 3, 0, false};
    auto r = (*model)->forward(*kv, {&skip, 1}, nullptr);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("skips positions"));
    BatchToken bad_tok{1 << 30, 0, 0, false};
    CHECK_FALSE((*model)->forward(*kv, {&bad_tok, 1}, nullptr));
    BatchToken bad_seq{1, 0, 5, false};
    CHECK_FALSE((*model)->forward(*kv, {&bad_seq, 1}, nullptr));
    CHECK(KvCache::bytes_needed((*model)->config(), 2, 16) == kv->bytes());
  }
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  std::remove(path.c_str());
  auto write_variant = [&](std::vector<char> b) {
    std::string v = temp_path("variant");
    std::ofstream(v, std::ios::binary).write(b.data(), std::streamsize(b.size()));
    auto r = Model::load(v, {1});
    std::remove(v.c_str());
    REQUIRE_FALSE(r);
    return r.error().message;
  };
  auto find = [&](const std::string& s) {
    auto it = std::search(bytes.begin(), bytes.end(), s.begin(), s.end());
    REQUIRE(it != bytes.end());
    return size_t(it - bytes.begin());
  };
  SECTION("missing tensor") {
    auto b = bytes;
    b[find("blk.1.attn_k.weight") + 11] = 'x';
    CHECK_THAT(write_variant(b), Catch::Contains("missing tensor 'blk.1.attn_k.weight'"));
  }
  SECTION("wrong shape") {
    auto b = bytes;
    size_t at = find("llama.attention.head_count_kv") + std::strlen("llama.attention.head_count_kv") + 4;
    uint32_t one = 1;
    std::memcpy(&b[at], &one, 4);
    CHECK_THAT(write_variant(b), Catch::Contains("tensor 'blk.0.attn_k.weight' has shape"));
  }
  SECTION("wrong architecture") {
    auto b = bytes;
    b[find("llama") + 0] = 'x';
    CHECK_THAT(write_variant(b), Catch::Contains("architecture"));
  }
}
