// The provider contract (DESIGN.md §1): one normalized request in, a pull-based stream of
// normalized events out. proxy/ builds ChatRequest; each providers/<kind>/ turns it into
// upstream bytes (or a local generation) and its answer back into Events.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "providers/error.h"

namespace switchyard {

// ---------------------------------------------------------------- the request

struct ToolCall {
  std::string id;
  std::string type = "function";
  std::string name;
  std::string arguments;  // JSON text, as the model produced it
};

struct Message {
  std::string role;                // system | user | assistant | tool (| developer)
  std::string text;                // all text content concatenated (string or text parts)
  std::string content_json;        // the original `content` value as minified JSON
  bool content_is_array = false;   // content was an array of parts
  bool content_is_null = false;    // content was null/absent (assistant with tool_calls)
  std::string name;                // optional participant name
  std::vector<ToolCall> tool_calls;  // assistant turns
  std::string tool_call_id;          // tool turns
};

// Sampling parameters after validation, with OpenAI/OpenRouter defaults applied.
struct SamplingParams {
  double temperature = 1.0;         // [0, 2]
  double top_p = 1.0;               // (0, 1]
  int64_t top_k = 0;                // >= 0, 0 = off
  double min_p = 0.0;               // [0, 1]
  double top_a = 0.0;               // [0, 1]
  double frequency_penalty = 0.0;   // [-2, 2]
  double presence_penalty = 0.0;    // [-2, 2]
  double repetition_penalty = 1.0;  // (0, 2]
  std::optional<int64_t> seed;
  std::optional<int64_t> max_tokens;     // >= 1; max_completion_tokens is the same thing
  std::vector<std::string> stop;         // at most 16
  std::vector<std::pair<int64_t, double>> logit_bias;  // token id -> bias in [-100, 100]
  bool logprobs = false;
  int64_t top_logprobs = 0;              // 0..20, needs logprobs
};

// OpenRouter `provider` preferences (routing issue); kept here so providers can read them.
struct ProviderPreferences {
  std::vector<std::string> order;
  bool allow_fallbacks = true;
  bool require_parameters = false;
  std::vector<std::string> only;
  std::vector<std::string> ignore;
  std::vector<std::string> quantizations;
  std::string sort;            // "", price | throughput | latency
  std::string sort_partition;  // "", model | none
  std::optional<double> max_price_prompt;      // USD per million
  std::optional<double> max_price_completion;  // USD per million
  std::optional<double> max_price_request;     // USD per request
  std::string data_collection;  // "", allow | deny
};

struct ChatRequest {
  std::string model;                 // public model id as sent (suffix included)
  std::vector<std::string> models;   // `models` fallback list (route: fallback)
  std::string route;
  bool is_completion = false;        // came from /v1/completions (prompt form)
  std::string prompt;                // completion prompt (is_completion)
  std::vector<Message> messages;
  bool stream = false;
  bool stream_include_usage = false; // stream_options.include_usage
  int64_t n = 1;                     // 1..2
  SamplingParams sampling;
  std::string response_format_json;  // minified JSON or empty
  std::string tools_json;            // minified JSON array or empty
  std::string tool_choice_json;      // minified JSON or empty
  std::optional<bool> parallel_tool_calls;
  std::string user;
  std::optional<ProviderPreferences> provider;
  // Names of the parameters the client actually sent (e.g. "temperature", "tools"), for
  // passthrough of only what was sent and for provider.require_parameters.
  std::vector<std::string> parameters_sent;
  // Unknown top-level fields, name -> minified JSON, passed through to OpenAI-compatible
  // upstreams untouched.
  std::vector<std::pair<std::string, std::string>> extra_fields;

  bool sent(const std::string& parameter) const;
};

// ---------------------------------------------------------------- the catalog

// Prices as integer picodollars per token == micro-dollars per million tokens
// (DESIGN.md §5). $0.65/M -> 650000.
struct Pricing {
  int64_t prompt_pico_per_token = 0;
  int64_t completion_pico_per_token = 0;
  int64_t request_pico = 0;            // per request
  int64_t cache_read_pico_per_token = -1;   // -1: same as prompt
  int64_t cache_write_pico_per_token = -1;  // -1: same as prompt
};

struct ProviderConfig {
  std::string name;      // e.g. "deepinfra"
  std::string kind;      // openai | anthropic | local
  std::string base_url;  // e.g. https://api.deepinfra.com/v1/openai
  std::string api_key_env;
  std::string api_key;   // resolved from api_key_env at load; never logged or stored
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  int64_t connect_timeout_ms = 5000;
  int64_t first_byte_timeout_ms = 60000;  // until the first byte of the answer
  int64_t idle_timeout_ms = 30000;        // max silence between bytes once streaming
  int64_t total_timeout_ms = 600000;
  bool data_collection_allowed = true;
  // kind: local
  std::string model_path;
  int64_t threads = 0;
  int64_t context_length = 0;
  int64_t max_sequences = 0;
  std::string chat_template;
  std::string kv_cache = "f32";  // f32 | f16 (local engine KV cache)
  std::string device = "auto";   // auto | cpu | cuda:N (local engine; falls back to the CPU)
  int64_t prefix_cache_mb = -1;  // local engine prefix cache budget; -1: the engine's default, 0: off
  int64_t max_choices = 0;       // local engine bound on n; 0: the engine's default
};

struct EndpointConfig {
  std::string provider;        // ProviderConfig::name
  std::string upstream_model;  // the model name the provider knows
  Pricing pricing;
  int64_t context_length = 0;  // 0 = model's
  int64_t max_completion_tokens = 0;
  std::string quantization;    // e.g. fp8, q4_k_m, unknown
  std::vector<std::string> supported_parameters;  // empty = everything
};

struct ModelConfig {
  std::string id;     // public id, e.g. microsoft/wizardlm-2-8x22b
  std::string name;   // display name
  std::string description;
  int64_t context_length = 0;
  int64_t max_completion_tokens = 0;
  int64_t created = 0;
  std::vector<EndpointConfig> endpoints;
};

// ---------------------------------------------------------------- the answer

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;       // prompt tokens read from a cache
  int64_t cache_write_tokens = 0;  // prompt tokens written to a cache
  bool estimated = false;          // the upstream did not report it; we counted
};

struct ToolCallDelta {
  int64_t index = 0;
  std::string id;        // first delta of a call only
  std::string name;      // first delta of a call only
  std::string arguments; // fragment of the JSON arguments
};

enum class EventKind {
  role,       // the assistant turn starts (choice_index)
  content,    // text delta
  tool_call,  // tool-call delta
  logprobs,   // logprobs for the preceding content (logprobs_json)
  finish,     // finish_reason for choice_index
  usage,      // token counts; at most one per stream, near the end
  error,      // the attempt failed; last event of the stream
};

struct Event {
  EventKind kind = EventKind::content;
  int64_t choice_index = 0;
  std::string text;                  // content delta
  ToolCallDelta tool_call;           // tool_call
  std::string logprobs_json;         // logprobs: the OpenAI `logprobs` object content
  std::string finish_reason;         // stop | length | tool_calls | content_filter | error
  std::string native_finish_reason;  // what the upstream said
  Usage usage;
  Error error;
  std::string upstream_id;           // optional: the upstream's response id (first event)
};

// Pull-based stream. next() blocks until the next event, and returns nullopt at the end.
// A failure is an Event{kind=error} and is the last event. Destroying the stream cancels
// the upstream transfer or local generation.
class EventStream {
 public:
  virtual ~EventStream() = default;
  virtual std::optional<Event> next() = 0;
};

// What one attempt needs: the request, the endpoint chosen, and its provider's config.
struct OpenParams {
  const ChatRequest* request = nullptr;
  const EndpointConfig* endpoint = nullptr;
  const ProviderConfig* provider = nullptr;
  int64_t max_tokens = 0;  // resolved by the proxy (>= 1, never more than the context left)
  // Called by providers while they wait for upstream bytes or tokens (at least every
  // 250 ms, and between bytes); false means the client is gone: the stream then ends with
  // an ErrorKind::cancelled event. Empty: never cancelled this way.
  std::function<bool()> keep_going;
};

class Provider {
 public:
  virtual ~Provider() = default;
  // Never throws. Failures surface as the stream's first (error) event.
  virtual std::unique_ptr<EventStream> open(const OpenParams& params) = 0;
};

// Normalizes an upstream finish reason to stop | length | tool_calls | content_filter | error.
std::string normalize_finish_reason(const std::string& native);

}  // namespace switchyard
