// Engine::open: GGUF file -> Model + KvCache (+ tokenizer and chat template) behind the
// BatchModel interface the scheduler uses.
#include <algorithm>

#include "local_engine/cuda/cuda_engine.h"
#include "local_engine/engine_impl.h"
#include "local_engine/tokenizer_gguf.h"

namespace switchyard::engine {

namespace {

class ModelBatch : public BatchModel {
 public:
  ModelBatch(std::shared_ptr<Model> model, KvCache kv) : model_(std::move(model)), kv_(std::move(kv)) {}
  int32_t n_vocab() const override { return model_->config().n_vocab; }
  int32_t n_ctx() const override { return kv_.n_ctx(); }
  int32_t n_seq_max() const override { return kv_.n_seq_max(); }
  Result<void> forward(std::span<const BatchToken> batch, float* logits) override {
    return model_->forward(kv_, batch, logits);
  }
  void clear_seq(int32_t seq) override { kv_.clear_seq(seq); }

  Result<void> copy_seq(int32_t src, int32_t dst, int32_t n) override {
    if (n > kv_.seq_len(src)) return std::unexpected(Error{"copy_seq: the source holds fewer positions"});
    if (auto r = kv_.copy_positions(kv_, src, 0, dst, 0, n); !r) return r;
    kv_.set_seq_len(dst, n);
    return {};
  }
  Result<int32_t> reserve_pool(size_t bytes) override {
    const size_t per_position = KvCache::bytes_needed(model_->config(), 1, 1, kv_.type());
    const size_t positions = std::min<size_t>(bytes / per_position, size_t(1) << 24);
    if (positions == 0) return 0;
    auto pool = KvCache::create(model_->config(), 1, int(positions), kv_.type());
    if (!pool) return std::unexpected(pool.error());
    pool_ = std::move(*pool);
    return int32_t(positions);
  }
  Result<void> save_to_pool(int32_t seq, int32_t pos, int32_t pool_pos, int32_t n) override {
    if (!pool_) return std::unexpected(Error{"save_to_pool: no pool"});
    return pool_->copy_positions(kv_, seq, pos, 0, pool_pos, n);
  }
  Result<void> load_from_pool(int32_t pool_pos, int32_t seq, int32_t pos, int32_t n) override {
    if (!pool_) return std::unexpected(Error{"load_from_pool: no pool"});
    if (pos > kv_.seq_len(seq)) return std::unexpected(Error{"load_from_pool: would leave a gap in the sequence"});
    if (auto r = kv_.copy_positions(*pool_, 0, pool_pos, seq, pos, n); !r) return r;
    kv_.set_seq_len(seq, pos + n);
    return {};
  }

 private:
  std::shared_ptr<Model> model_;
  KvCache kv_;
  std::optional<KvCache> pool_;  // one "sequence" of pool positions
};

}  // namespace

std::optional<DeviceChoice> parse_device(std::string_view d) {
  if (d.empty() || d == "auto") return DeviceChoice{};
  if (d == "cpu") return DeviceChoice{true, -1};
  if (d == "cuda") return DeviceChoice{false, 0};
  if (d.starts_with("cuda:") && d.size() > 5 && d.size() <= 8 &&
      std::all_of(d.begin() + 5, d.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return DeviceChoice{false, std::stoi(std::string(d.substr(5)))};
  return std::nullopt;
}

namespace {

// The CUDA device to use, or nullopt with the reason in *note.
std::optional<cuda::DeviceInfo> pick_cuda_device(const DeviceChoice& choice, const std::string& asked, std::string* note) {
  if (choice.cpu_only) return std::nullopt;
  const cuda::Probe probe = cuda::probe();
  if (probe.devices.empty()) {
    *note = "device " + asked + ": " + probe.why_none + "; running on the CPU";
    return std::nullopt;
  }
  if (choice.cuda_index < 0) return probe.devices[0];
  for (const auto& d : probe.devices)
    if (d.index == choice.cuda_index) return d;
  std::string have;
  for (const auto& d : probe.devices) have += (have.empty() ? "" : ", ") + ("cuda:" + std::to_string(d.index));
  *note = "device " + asked + " is not available (usable: " + have + "); running on the CPU";
  return std::nullopt;
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::open(const EngineOptions& options) {
  if (options.max_sequences < 1) return std::unexpected(Error{"engine: max_sequences must be >= 1"});
  const std::optional<DeviceChoice> choice = parse_device(options.device);
  if (!choice) return std::unexpected(Error{"engine: device must be auto, cpu or cuda:N (got '" + options.device + "')"});
  std::string device_note;
  const std::string asked = options.device.empty() ? "auto" : options.device;
  const std::optional<cuda::DeviceInfo> cuda_device = pick_cuda_device(*choice, asked, &device_note);
  // SWITCHYARD_ISA=scalar|avx2|avx512 forces a kernel set (comparisons, debugging).
  const char* isa = std::getenv("SWITCHYARD_ISA");
  // Weights bound for the GPU are read once by the upload: no need to fault them in first.
  auto model = Model::load(options.model_path,
                           ModelLoadParams{.n_threads = options.threads, .isa = isa, .prefault = !cuda_device.has_value()});
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
  const std::string name = cfg.name;
  std::shared_ptr<Model> shared(std::move(*model));
  std::unique_ptr<BatchModel> batch;
  std::string device;
  size_t kv_bytes = KvCache::bytes_needed(cfg, n_seq, n_ctx, options.kv_type);
  if (cuda_device) {
    const std::string where = "cuda:" + std::to_string(cuda_device->index);
    cuda::CudaModelParams cp{.device = cuda_device->index, .n_seq_max = n_seq, .n_ctx = n_ctx, .kv_type = options.kv_type,
                             .max_batch_tokens = std::max(options.prefill_chunk, 1) + n_seq};
    auto gpu = cuda::make_cuda_batch_model(shared, cp);
    if (gpu) {
      batch = std::move(*gpu);
      device = where + " (" + cuda_device->name + ")";
    } else {
      device_note = where + ": " + gpu.error().message + "; running on the CPU";
    }
  }
  if (!batch) {
    auto kv = shared->make_kv_cache(n_seq, n_ctx, options.kv_type);
    if (!kv) return std::unexpected(Error{"KV cache: " + kv.error().message});
    kv_bytes = kv->bytes();
    device = "cpu (" + shared->backend().name() + ", " + std::to_string(shared->backend().n_threads()) + " threads)";
    batch = std::make_unique<ModelBatch>(shared, std::move(*kv));
  }
  auto engine = create(std::move(*tok), std::move(batch), options, kind);
  if (engine) {  // the scheduler never reads these
    EngineInfo& info = (*engine)->core_->info;
    info.model_name = name;
    info.kv_type = options.kv_type;
    info.kv_cache_bytes = kv_bytes;
    info.device = device;
    info.device_note = device_note;
  }
  return engine;
}

}  // namespace switchyard::engine
