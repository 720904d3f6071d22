// The normalized request (DESIGN.md §1): what every ingress format (OpenAI chat and
// completions, Anthropic messages, OpenAI responses) is parsed into, and what every
// provider turns into upstream bytes or a local generation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace switchyard {

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
  // Fields of the ingress format's own request that its response repeats (a Responses
  // request's instructions, metadata, tools...), name -> minified JSON, for the format's
  // sink. Never sent upstream.
  std::vector<std::pair<std::string, std::string>> echo_fields;

  bool sent(const std::string& parameter) const;
};

}  // namespace switchyard
