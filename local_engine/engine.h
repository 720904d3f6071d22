// The Engine API: one model, one scheduler thread, many concurrent generations.
//
//   auto engine = Engine::open({.model_path = "m.gguf", .max_sequences = 8});
//   auto gen = (*engine)->submit(request);          // fails fast: bad prompt, queue full
//   while (auto ev = (*gen)->next()) { ... }        // blocking pull of text deltas
//   // destroying the handle (or cancel()) frees its sequence slot at the next step
//
// Continuous batching: every active sequence advances in ONE batched forward per step.
// New requests join between steps; their prompts are fed in chunks (prefill_chunk tokens
// per step shared by all prefilling sequences) so running streams keep flowing. When all
// sequence slots are busy, requests wait in a queue of max_queue; beyond that submit
// fails at once with retry_after_seconds (the proxy answers 503 + Retry-After).
//
// What a request can ask beyond sampling: a response_format or tools, which constrain
// decoding token by token (constraint.h, grammar/); n choices, which share one prefill
// (the prompt's KV is copied to each choice's slot). Whatever the request, a prompt that
// starts like an earlier one reads the KV of their common whole blocks from the prefix
// cache (prefix_cache.h) instead of computing it; usage.cached_tokens says how many.
#pragma once

#include <chrono>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "local_engine/chat_template.h"
#include "local_engine/model.h"
#include "local_engine/sampler.h"
#include "local_engine/status.h"
#include "local_engine/tokenizer.h"

namespace switchyard::engine {

struct EngineOptions {
  std::string model_path;
  int threads = 0;                    // 0 = all hardware threads
  int n_ctx = 0;                      // per sequence; 0 = min(model's, 4096)
  int max_sequences = 4;              // concurrent generations (KV cache slots)
  size_t kv_cache_budget_bytes = 0;   // 0 = no limit; else fewer slots to fit
  int max_queue = 16;                 // waiting requests beyond the busy slots
  std::string chat_template;          // name (vicuna, mistral, chatml); "" = from GGUF
  int prefill_chunk = 128;            // prompt tokens per step, all sequences together
  KvType kv_type = KvType::f32;       // f16: half the cache memory and attention traffic
  // Where the model runs: "auto" (the first usable CUDA device, else the CPU), "cpu", or
  // "cuda:N". When the GPU cannot be used the engine runs on the CPU and EngineInfo's
  // device_note says why.
  std::string device = "auto";
  // The prefix cache: KV of prompt prefixes kept for later requests that start the same
  // way (a long shared system prompt is prefilled once), within this budget; 0 = off (the
  // default: the memory is the operator's to give). On the GPU it is device memory; when
  // it cannot be reserved the engine runs without it (EngineInfo says why).
  size_t prefix_cache_bytes = 0;
  int prefix_block_tokens = 16;       // reuse granularity
  int max_choices = 4;                // GenerationRequest::n bound (also <= the slots)
};

// EngineOptions::device parsed: "auto" (or ""), "cpu", "cuda" (= cuda:0) or "cuda:N" with
// up to three digits; nullopt for anything else.
struct DeviceChoice {
  bool cpu_only = false;  // "cpu"
  int cuda_index = -1;    // "cuda:N"; -1 with cpu_only false = "auto"
};
std::optional<DeviceChoice> parse_device(std::string_view device);

// response_format: free text, any JSON object, or JSON valid under a schema
// (grammar/json_schema.h says which keywords). Decoding is constrained token by token.
struct ResponseFormat {
  enum class Kind { text, json_object, json_schema };
  Kind kind = Kind::text;
  std::string schema_json;  // json_schema: the schema, as a JSON text
};

// tool_choice: automatic (the model may call a tool; once it starts a call the call is
// kept valid), none (no call: tools are not shown), required (at least one call, forced
// from the first token), function (a call of that one function).
enum class ToolChoice { automatic, none, required, function };

struct ToolCallDelta {
  int32_t index = 0;      // which call of this choice (0, 1, ...)
  std::string id;         // first delta of a call only
  std::string name;       // first delta of a call only
  std::string arguments;  // a fragment of the JSON arguments
};

struct GenerationRequest {
  std::vector<ChatMessage> messages;  // chat form, rendered with the engine's template
  std::optional<std::string> prompt;  // raw completion form (wins over messages); BOS is
                                      // added, control-token strings stay text
  SamplingOptions sampling;
  int max_tokens = 0;                 // 0 = up to the context; always clipped to it
  std::vector<std::string> stop;
  bool ignore_eos = false;
  // Drop the leading space of the first generated word. Default: true for chat (answers
  // start "Hello", not " Hello"), false for raw prompts (" Paris" continues the text).
  std::optional<bool> strip_leading_space;
  ResponseFormat response_format;
  std::vector<ToolSpec> tools;               // rendered by the chat template
  ToolChoice tool_choice = ToolChoice::automatic;
  std::string tool_choice_function;          // ToolChoice::function: its name
  bool parallel_tool_calls = true;           // false: at most one call
  // Choices: the prompt is prefilled once and its KV copied to the others; choice i
  // samples with its own RNG stream derived from the seed (choice 0's is the seed's own,
  // so n = 1 and choice 0 of n > 1 agree). Each choice holds a sequence slot.
  int n = 1;
};

struct GenerationUsage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;   // prompt tokens whose KV came from the prefix cache
  double prefill_seconds = 0;  // admission to first sampled token
  double decode_seconds = 0;   // first sampled token to the last
  double queue_seconds = 0;    // submit to admission
};

struct GeneratedToken {
  int32_t id = 0;
  std::string piece;                // raw bytes of the token (may be part of a character)
  float logprob = 0;                // when logprobs were asked for
  std::vector<TokenLogprob> top;    // top_logprobs alternatives
};

struct GenerationEvent {
  enum class Kind { delta, finish, error };
  Kind kind = Kind::delta;
  int32_t choice = 0;                   // which of the request's n choices
  std::string text;                     // delta: text to show now (may be empty)
  std::optional<GeneratedToken> token;  // delta: the token sampled in this step
  std::vector<ToolCallDelta> tool_calls;  // delta: pieces of tool calls (not in `text`)
  std::string finish_reason;            // finish: "stop" | "length" | "tool_calls"
  std::string native_finish_reason;     // finish: "eos" | "stop_string" | "length" | "grammar" (the
                                        // constraint is complete: nothing may follow)
  GenerationUsage usage;                // finish
  std::string error;                    // error (the last event)
};

struct SubmitError {
  enum class Kind { invalid_request, overloaded, shutting_down };
  Kind kind = Kind::invalid_request;
  std::string message;
  int retry_after_seconds = 0;  // overloaded: when a retry has a fair chance
};

// What the scheduler needs from a model: a batched forward over KV slots.
// Engine::open adapts Model + KvCache; tests may plug in a fake.
class BatchModel {
 public:
  virtual ~BatchModel() = default;
  virtual int32_t n_vocab() const = 0;    // logits row length
  virtual int32_t n_ctx() const = 0;      // positions per sequence
  virtual int32_t n_seq_max() const = 0;  // sequence slots
  // logits: F32 [n_want_logits, n_vocab], rows in batch order of want_logits tokens.
  virtual Result<void> forward(std::span<const BatchToken> batch, float* logits) = 0;
  virtual void clear_seq(int32_t seq) = 0;

  // KV copies, for choices forked from one prefill (n > 1) and for the prefix cache.
  // Positions [0, n) of src become those of dst, which then holds exactly n positions.
  virtual Result<void> copy_seq(int32_t src, int32_t dst, int32_t n) = 0;
  // The prefix cache's pool: KV storage outside the sequence slots, of at most `bytes`.
  // Returns the positions it holds (0: no pool; the engine then runs without the cache).
  virtual Result<int32_t> reserve_pool(size_t bytes) = 0;
  // Positions [pos, pos + n) of seq -> pool positions [pool_pos, pool_pos + n).
  virtual Result<void> save_to_pool(int32_t seq, int32_t pos, int32_t pool_pos, int32_t n) = 0;
  // Pool positions [pool_pos, pool_pos + n) -> [pos, pos + n) of seq (pos <= its length);
  // seq then holds pos + n positions.
  virtual Result<void> load_from_pool(int32_t pool_pos, int32_t seq, int32_t pos, int32_t n) = 0;
};

struct RequestState;  // shared by a handle and the scheduler (engine_impl.h)
struct EngineCore;

// A running (or queued) generation. next() blocks for the next event and returns
// nullopt after the last choice's finish event, or after an error event (which ends every
// choice). Destroying it cancels the generation.
class Generation {
 public:
  ~Generation();
  Generation(const Generation&) = delete;
  Generation& operator=(const Generation&) = delete;

  std::optional<GenerationEvent> next();
  // Waits at most `timeout` for next() to have something; true when next() won't block.
  bool wait_for(std::chrono::milliseconds timeout);
  void cancel();
  int64_t prompt_tokens() const { return prompt_tokens_; }

 private:
  friend class Engine;
  Generation(std::shared_ptr<RequestState> state, std::shared_ptr<EngineCore> core, int64_t prompt_tokens)
      : state_(std::move(state)), core_(std::move(core)), prompt_tokens_(prompt_tokens) {}
  std::shared_ptr<RequestState> state_;
  std::shared_ptr<EngineCore> core_;
  int64_t prompt_tokens_ = 0;
  bool finished_ = false;
};

struct EngineInfo {
  int32_t n_ctx = 0;
  int32_t n_seq_max = 0;
  int32_t n_vocab = 0;
  ChatTemplateKind chat_template = ChatTemplateKind::vicuna;
  std::string model_name;
  KvType kv_type = KvType::f32;
  size_t kv_cache_bytes = 0;  // the whole cache, all slots
  std::string device;         // "cpu (avx2, 8 threads)" or "cuda:0 (NVIDIA H200)"
  std::string device_note;    // why the GPU is not used, when it was asked for (or auto)
  size_t prefix_cache_positions = 0;  // KV positions the prefix cache holds (0: off)
  std::string prefix_cache_note;      // why there is no prefix cache although one was asked for
};

// What the engine has been doing, for metrics.
struct EngineStats {
  size_t queued = 0, active = 0;
  int64_t tokens_generated = 0;    // since the engine started
  double prefill_tokens_per_second = 0;  // recent (a moving average over steps)
  double decode_tokens_per_second = 0;
  double kv_cache_used_ratio = 0;  // positions held by active sequences / all positions
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> open(const EngineOptions& options);
  // With any BatchModel (tests, other backends). options.model_path is not read.
  static Result<std::unique_ptr<Engine>> create(Tokenizer tokenizer, std::unique_ptr<BatchModel> model,
                                                const EngineOptions& options, ChatTemplateKind chat_template);
  ~Engine();  // stops the scheduler; live handles get an error event

  std::expected<std::unique_ptr<Generation>, SubmitError> submit(GenerationRequest request);

  // The prompt ids a request would run (for counting and tests).
  std::expected<std::vector<int32_t>, SubmitError> tokenize_prompt(const GenerationRequest& request) const;

  const Tokenizer& tokenizer() const;
  const EngineInfo& info() const;
  size_t queued() const;  // waiting for a slot
  size_t active() const;  // holding a slot
  EngineStats stats() const;

 private:
  Engine() = default;
  std::shared_ptr<EngineCore> core_;
};

}  // namespace switchyard::engine
