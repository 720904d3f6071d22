// Llama / Mixtral (MoE) model loaded from GGUF (arch "llama"), with a batched forward for
// continuous batching: one call runs tokens of many sequences at different positions.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "local_engine/backend.h"
#include "local_engine/gguf.h"
#include "local_engine/kv_cache.h"
#include "local_engine/status.h"

namespace switchyard::engine {

struct ModelConfig {
  std::string arch;           // "llama"
  std::string name;           // general.name, may be empty
  int n_vocab = 0;            // rows of token_embd
  int dim = 0;                // llama.embedding_length
  int n_layer = 0;            // llama.block_count
  int n_head = 0;             // llama.attention.head_count
  int n_kv_head = 0;          // llama.attention.head_count_kv (default n_head)
  int head_dim = 0;           // dim / n_head
  int n_ff = 0;               // FFN hidden size (per expert for MoE)
  int n_expert = 0;           // llama.expert_count; 0 = dense
  int n_expert_used = 0;      // llama.expert_used_count
  int n_ctx_train = 0;        // llama.context_length
  int rope_dim = 0;           // llama.rope.dimension_count (default head_dim)
  float rope_freq_base = 10000.f;
  float rms_eps = 1e-5f;      // llama.attention.layer_norm_rms_epsilon
  GgmlType ffn_type = GgmlType::f32;  // type of the (first) FFN weights, for display
};

// Weight views into the mapped GGUF (or F32 copies for norm vectors), shared by backends.
struct LayerWeights {
  const float* attn_norm = nullptr;  // F32 [dim]
  const float* ffn_norm = nullptr;   // F32 [dim]
  WeightMatrix wq, wk, wv, wo;       // [q_dim, dim], [kv_dim, dim], [kv_dim, dim], [dim, q_dim]
  WeightMatrix ffn_gate, ffn_up, ffn_down;  // dense: [ff, dim], [ff, dim], [dim, ff]
  WeightMatrix gate_inp;             // MoE router: [n_expert, dim]
  std::vector<WeightMatrix> gate_e, up_e, down_e;  // per expert, as dense: [ff, dim], [ff, dim], [dim, ff]
};

struct ModelWeights {
  std::vector<std::vector<float>> owned;  // norm vectors converted to F32
  WeightMatrix token_embd;                // [n_vocab, dim]
  WeightMatrix output;                    // [n_vocab, dim] (token_embd when tied)
  const float* output_norm = nullptr;     // F32 [dim]
  std::vector<LayerWeights> layers;
};

struct BatchToken {
  int32_t token = 0;
  int32_t pos = 0;            // position within its sequence
  int32_t seq = 0;            // KV cache sequence slot
  bool want_logits = false;
};

struct ModelLoadParams {
  int n_threads = 0;          // 0 = all hardware threads
  const char* isa = nullptr;  // force a kernel set ("scalar", "avx2", "avx512"); null = best available
  bool prefault = true;       // read the mapped weights in at load (no page faults in the first forward)
  // Progress bar on stderr while prefaulting: -1 = when stdout and stderr are terminals, 0 = never, 1 = always.
  int progress = -1;
};

class Model {
 public:
  static Result<std::unique_ptr<Model>> load(const std::string& path, const ModelLoadParams& params = {});
  ~Model();

  const ModelConfig& config() const { return config_; }
  const GgufFile& gguf() const { return *gguf_; }  // tokenizer metadata lives here
  const ModelWeights& weights() const { return *w_; }
  Backend& backend() { return *backend_; }

  Result<KvCache> make_kv_cache(int n_seq_max, int n_ctx, KvType type = KvType::f32) const {
    return KvCache::create(config_, n_seq_max, n_ctx, type);
  }

  // Runs the batch; writes K/V of every token into kv, and for each token with want_logits
  // (in batch order) one row of logits: F32 [n_want_logits, n_vocab]. Tokens of one
  // sequence must come in increasing position order and may not skip positions.
  Result<void> forward(KvCache& kv, std::span<const BatchToken> batch, float* logits);

  size_t weight_bytes() const;              // all tensors
  size_t weight_bytes_per_token() const;    // read by one decode step (attention + top-k experts + output)
  // Read by one batched step whose tokens touch n_experts_touched distinct experts per layer
  // (each expert's weights are read once per step however many tokens it serves).
  size_t weight_bytes_per_step(double n_experts_touched) const;

  struct Scratch;  // the forward's buffers, opaque (model_forward.cpp)

 private:
  Model();
  ModelConfig config_;
  std::shared_ptr<GgufFile> gguf_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<ModelWeights> w_;
  void init_scratch();  // model_forward.cpp, where Scratch is complete
  std::unique_ptr<Scratch> s_;
};

}  // namespace switchyard::engine
