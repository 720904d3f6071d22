#include "local_engine/demo_model.h"

#include <cmath>
#include <cstring>
#include <set>

#include "local_engine/quant.h"
#include "local_engine/thread_pool.h"

namespace switchyard::engine {

namespace {

const char* kWords[] = {
    "the", "of", "and", "to", "in", "is", "you", "that", "it", "he", "was", "for", "on", "are", "as", "with",
    "his", "they", "at", "be", "this", "have", "from", "or", "one", "had", "by", "word", "but", "not", "what",
    "all", "were", "we", "when", "your", "can", "said", "there", "use", "an", "each", "which", "she", "do",
    "how", "their", "if", "will", "up", "other", "about", "out", "many", "then", "them", "these", "so", "some",
    "her", "would", "make", "like", "him", "into", "time", "has", "look", "two", "more", "write", "go", "see",
    "number", "no", "way", "could", "people", "my", "than", "first", "water", "been", "call", "who", "oil",
    "its", "now", "find", "long", "down", "day", "did", "get", "come", "made", "may", "part", "hello", "world",
    "model", "token", "Switchyard", "I", "A", "The", "ing", "ed", "er", "ly", "tion", "s"};

// SplitMix64: tiny, fast, good enough for random weights.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Approximately normal: sum of 4 uniforms (Irwin-Hall), unit variance.
  float normal() {
    float s4 = 0;
    for (int k = 0; k < 4; ++k) s4 += float(next() >> 40) * (1.0f / 16777216.0f);
    return (s4 - 2.0f) * 1.7320508f;
  }
};

uint64_t hash_name(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ull;
  return h;
}

GgmlType fit_type(GgmlType want, int64_t cols) {
  if (cols % ggml_block_size(want) == 0) return want;
  if (cols % 32 == 0 && (want == GgmlType::q4_k || want == GgmlType::q6_k)) return GgmlType::q8_0;
  return GgmlType::f16;
}

}  // namespace

const char* demo_chat_template() {
  return "{% for message in messages %}"
         "{% if message['role'] == 'system' %}{{ message['content'] + '\\n\\n' }}"
         "{% elif message['role'] == 'user' %}{{ 'USER: ' + message['content'] + '\\n' }}"
         "{% elif message['role'] == 'assistant' %}{{ 'ASSISTANT: ' + message['content'] + '</s>\\n' }}"
         "{% endif %}{% endfor %}"
         "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}";
}

DemoVocab demo_vocab(int n_vocab) {
  DemoVocab v;
  std::set<std::string> seen;
  auto add = [&](const std::string& piece, float score, int32_t type) {
    if (!seen.insert(piece).second) return;
    v.tokens.push_back(piece);
    v.scores.push_back(score);
    v.types.push_back(type);
  };
  add("<unk>", 0, 2);
  add("<s>", 0, 3);
  add("</s>", 0, 3);
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    add(buf, 0, 6);
  }
  const std::string space = "\xE2\x96\x81";  // U+2581, SentencePiece's word boundary
  float score = -1;
  add(space, score--, 1);
  for (int ch = 0x21; ch < 0x7F; ++ch) add(std::string(1, char(ch)), score--, 1);
  // Every prefix of "▁word" so the merge-based SentencePiece tokenizer can reach it.
  for (const char* w : kWords) {
    std::string word = space + w;
    for (size_t len = space.size() + 1; len <= word.size(); ++len) add(word.substr(0, len), score--, 1);
    std::string bare = w;
    for (size_t len = 2; len <= bare.size(); ++len) add(bare.substr(0, len), score--, 1);
  }
  // Pad with generated lower-case pieces ("▁ab", "abc", ...) up to n_vocab.
  for (uint32_t k = 0; n_vocab > 0 && int(v.tokens.size()) < n_vocab; ++k) {
    std::string p;
    uint32_t x = k;
    do {
      p += char('a' + x % 26);
      x /= 26;
    } while (x);
    add(p.size() > 1 ? p : space + p, score--, 1);
    if (int(v.tokens.size()) < n_vocab) add(space + p + "e", score--, 1);
  }
  return v;
}

Result<void> write_demo_model(const std::string& path, const DemoModelParams& p) {
  if (p.dim <= 0 || p.n_layer <= 0 || p.n_head <= 0 || p.n_kv_head <= 0 || p.n_ff <= 0 || p.dim % p.n_head != 0 ||
      p.n_head % p.n_kv_head != 0 || (p.dim / p.n_head) % 2 != 0 || p.n_expert < 0 ||
      (p.n_expert > 0 && (p.n_expert_used < 1 || p.n_expert_used > p.n_expert)))
    return std::unexpected(Error{"demo model: inconsistent shape (dim % heads, heads % kv_heads, even head_dim, 1 <= experts_used <= experts)"});
  if (p.dim % 32 != 0 || p.n_ff % 32 != 0) return std::unexpected(Error{"demo model: dim and ff must be multiples of 32"});
  DemoVocab vocab = demo_vocab(p.n_vocab);
  const int n_vocab = int(vocab.tokens.size());
  const int head_dim = p.dim / p.n_head;

  GgufWriter w;
  w.add_string("general.architecture", "llama");
  w.add_string("general.name", p.name);
  w.add_u32("llama.context_length", uint32_t(p.n_ctx));
  w.add_u32("llama.embedding_length", uint32_t(p.dim));
  w.add_u32("llama.block_count", uint32_t(p.n_layer));
  w.add_u32("llama.feed_forward_length", uint32_t(p.n_ff));
  w.add_u32("llama.attention.head_count", uint32_t(p.n_head));
  w.add_u32("llama.attention.head_count_kv", uint32_t(p.n_kv_head));
  w.add_u32("llama.rope.dimension_count", uint32_t(head_dim));
  w.add_f32("llama.rope.freq_base", 10000.f);
  w.add_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  if (p.n_expert > 0) {
    w.add_u32("llama.expert_count", uint32_t(p.n_expert));
    w.add_u32("llama.expert_used_count", uint32_t(p.n_expert_used));
  }
  w.add_u32("llama.vocab_size", uint32_t(n_vocab));
  w.add_string("tokenizer.ggml.model", "llama");
  w.add_array_string("tokenizer.ggml.tokens", vocab.tokens);
  w.add_array_f32("tokenizer.ggml.scores", vocab.scores);
  w.add_array_i32("tokenizer.ggml.token_type", vocab.types);
  w.add_u32("tokenizer.ggml.bos_token_id", 1);
  w.add_u32("tokenizer.ggml.eos_token_id", 2);
  w.add_u32("tokenizer.ggml.unknown_token_id", 0);
  w.add_bool("tokenizer.ggml.add_bos_token", true);
  w.add_bool("tokenizer.ggml.add_eos_token", false);
  w.add_bool("tokenizer.ggml.add_space_prefix", true);
  w.add_string("tokenizer.chat_template", demo_chat_template());

  ThreadPool pool(p.n_threads);
  // A [rows, cols] matrix of N(0, sigma) weights (rows generated in parallel, seeded per row
  // block so the file does not depend on the thread count).
  auto matrix = [&](const std::string& name, std::vector<int64_t> dims, float sigma, GgmlType type,
                    float row0_scale = 1.0f, int64_t scaled_row = -1) -> Result<void> {
    const int64_t cols = dims[0];
    int64_t rows = 1;
    for (size_t d = 1; d < dims.size(); ++d) rows *= dims[d];
    type = fit_type(type, cols);
    const size_t rb = *ggml_row_size(type, cols);
    std::vector<uint8_t> bytes(rb * size_t(rows));
    const int64_t block = 64;
    const uint64_t base = p.seed * 0x9E3779B97F4A7C15ull ^ hash_name(name);
    pool.run((rows + block - 1) / block, [&](int64_t b, int) {
      Rng rng{base + uint64_t(b) * 0x632BE59BD9B4E019ull};
      std::vector<float> row(static_cast<size_t>(cols));
      for (int64_t r = b * block; r < std::min(rows, (b + 1) * block); ++r) {
        const float s = sigma * (r == scaled_row ? row0_scale : 1.0f);
        for (auto& x : row) x = rng.normal() * s;
        quantize_row(type, row.data(), bytes.data() + size_t(r) * rb, cols);
      }
    });
    return w.add_tensor(name, type, std::move(dims), std::move(bytes));
  };
  auto ones = [&](const std::string& name, int64_t n) {
    std::vector<float> v(size_t(n), 1.0f);
    std::vector<uint8_t> b(size_t(n) * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return w.add_tensor(name, GgmlType::f32, {n}, std::move(b));
  };
#define DEMO_TRY(expr) \
  if (auto _r = (expr); !_r) return _r

  const int64_t dim = p.dim, ff = p.n_ff, q_dim = dim, kv_dim = int64_t(p.n_kv_head) * head_dim;
  const float s_dim = 1.0f / std::sqrt(float(dim)), s_ff = 1.0f / std::sqrt(float(ff));
  DEMO_TRY(matrix("token_embd.weight", {dim, n_vocab}, 1.0f, p.type));
  DEMO_TRY(ones("output_norm.weight", dim));
  if (!p.tie_embeddings) DEMO_TRY(matrix("output.weight", {dim, n_vocab}, s_dim * 2.0f, p.type, p.eos_logit_scale, 2));
  for (int l = 0; l < p.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    DEMO_TRY(ones(b + "attn_norm.weight", dim));
    DEMO_TRY(matrix(b + "attn_q.weight", {dim, q_dim}, s_dim, p.type));
    DEMO_TRY(matrix(b + "attn_k.weight", {dim, kv_dim}, s_dim, p.type));
    DEMO_TRY(matrix(b + "attn_v.weight", {dim, kv_dim}, s_dim, p.type));
    DEMO_TRY(matrix(b + "attn_output.weight", {q_dim, dim}, s_dim, p.type));
    DEMO_TRY(ones(b + "ffn_norm.weight", dim));
    if (p.n_expert == 0) {
      DEMO_TRY(matrix(b + "ffn_gate.weight", {dim, ff}, s_dim, p.type));
      DEMO_TRY(matrix(b + "ffn_up.weight", {dim, ff}, s_dim, p.type));
      DEMO_TRY(matrix(b + "ffn_down.weight", {ff, dim}, s_ff, p.type));
      continue;
    }
    DEMO_TRY(matrix(b + "ffn_gate_inp.weight", {dim, p.n_expert}, s_dim, GgmlType::f32));  // router stays F32 as in llama.cpp
    if (p.stacked_experts) {
      DEMO_TRY(matrix(b + "ffn_gate_exps.weight", {dim, ff, p.n_expert}, s_dim, p.type));
      DEMO_TRY(matrix(b + "ffn_up_exps.weight", {dim, ff, p.n_expert}, s_dim, p.type));
      DEMO_TRY(matrix(b + "ffn_down_exps.weight", {ff, dim, p.n_expert}, s_ff, p.type));
    } else {
      for (int e = 0; e < p.n_expert; ++e) {
        const std::string s = "." + std::to_string(e) + ".weight";
        DEMO_TRY(matrix(b + "ffn_gate" + s, {dim, ff}, s_dim, p.type));
        DEMO_TRY(matrix(b + "ffn_up" + s, {dim, ff}, s_dim, p.type));
        DEMO_TRY(matrix(b + "ffn_down" + s, {ff, dim}, s_ff, p.type));
      }
    }
  }
#undef DEMO_TRY
  return w.write(path);
}

}  // namespace switchyard::engine
