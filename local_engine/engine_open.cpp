// Engine::open: GGUF file -> Model + KvCache (+ tokenizer and chat template) behind the
// BatchModel interface the scheduler uses.
#include <algorithm>

#include "local_engine/engine_impl.h"
#include "local_engine/tokenizer_gguf.h"

namespace switchyard::engine {

namespace {

class ModelBatch : public BatchModel {
 public:
  ModelBatch(std::unique_ptr<Model> model, KvCache kv) : model_(std::move(model)), kv_(std::move(kv)) {}
  int32_t n_vocab() const override { return model_->config().n_vocab; }
  int32_t n_ctx() const override { return kv_.n_ctx(); }
  int32_t n_seq_max() const override { return kv_.n_seq_max(); }
  Result<void> forward(std::span<const BatchToken> batch, float* logits) override {
    return model_->forward(kv_, batch, logits);
  }
  void clear_seq(int32_t seq) override { kv_.clear_seq(seq); }

 private:
  std::unique_ptr<Model> model_;
  KvCache kv_;
};

}  // namespace

Result<std::unique_ptr<Engine>> Engine::open(const EngineOptions& options) {
  if (options.max_sequences < 1) return std::unexpected(Error{"engine: max_sequences must be >= 1"});
  // SWITCHYARD_ISA=scalar|avx2|avx512 forces a kernel set (comparisons, debugging).
  const char* isa = std::getenv("SWITCHYARD_ISA");
  auto model = Model::load(options.model_path, ModelLoadParams{.n_threads = options.threads, .isa = isa});
  // Name the file once: the GGUF reader's own messages may already start with it.
  auto with_path = [&](const std::string& m) {
    return m.rfind(options.model_path, 0) == 0 ? m : options.model_path + ": " + m;
  };
  if (!model) return std::unexpected(Error{with_path(model.error().message)});
  auto tok = tokenizer_from_gguf((*model)->gguf());
  if (!tok) return std::unexpected(Error{with_path(tok.error().message)});

  ChatTemplateKind kind = ChatTemplateKind::vicuna;  // the WizardLM-2 family's default
  if (!options.chat_template.empty()) {
    auto k = chat_template_from_name(options.chat_template);
    if (!k) return std::unexpected(Error{"unknown chat template '" + options.chat_template +
                                         "' (known: vicuna, mistral, chatml)"});
    kind = *k;
  } else if (auto jinja = chat_template_from_gguf((*model)->gguf())) {
    kind = detect_chat_template(*jinja).value_or(kind);
  }

  const ModelConfig& cfg = (*model)->config();
  int n_ctx = options.n_ctx > 0 ? options.n_ctx : std::min(cfg.n_ctx_train > 0 ? cfg.n_ctx_train : 4096, 4096);
  if (cfg.n_ctx_train > 0) n_ctx = std::min(n_ctx, cfg.n_ctx_train);
  int n_seq = options.max_sequences;
  if (options.kv_cache_budget_bytes > 0) {
    while (n_seq > 1 && KvCache::bytes_needed(cfg, n_seq, n_ctx, options.kv_type) > options.kv_cache_budget_bytes) --n_seq;
    if (KvCache::bytes_needed(cfg, n_seq, n_ctx, options.kv_type) > options.kv_cache_budget_bytes)
      return std::unexpected(Error{"kv_cache_budget_bytes " + std::to_string(options.kv_cache_budget_bytes) +
                                   " cannot hold one sequence of " + std::to_string(n_ctx) + " positions (needs " +
                                   std::to_string(KvCache::bytes_needed(cfg, 1, n_ctx, options.kv_type)) + ")"});
  }
  auto kv = (*model)->make_kv_cache(n_seq, n_ctx, options.kv_type);
  if (!kv) return std::unexpected(Error{"KV cache: " + kv.error().message});
  const std::string name = cfg.name;
  const size_t kv_bytes = kv->bytes();
  auto engine = create(std::move(*tok), std::make_unique<ModelBatch>(std::move(*model), std::move(*kv)), options, kind);
  if (engine) {  // the scheduler never reads these
    (*engine)->core_->info.model_name = name;
    (*engine)->core_->info.kv_type = options.kv_type;
    (*engine)->core_->info.kv_cache_bytes = kv_bytes;
  }
  return engine;
}

}  // namespace switchyard::engine
