// Request normalization (DESIGN.md §1 "parse + normalize"): one untrusted HTTP body in,
// one validated ChatRequest out, or an invalid_argument Error whose message names the
// field and what it accepts (e.g. "temperature must be a number in [0, 2], got 3.5") and
// whose metadata is {"param":"<field path>"}. Never throws; linear in the body size.
//
// Leniencies, chosen to match what OpenAI SDKs and OpenRouter clients actually send:
//  - a field that is explicitly null is treated as absent, at every level (unknown
//    top-level nulls are dropped too, not passed through);
//  - stream_options is accepted without stream (include_usage is kept; it only matters
//    when streaming);
//  - both max_tokens and max_completion_tokens: max_completion_tokens wins (the newer name);
//  - "tools": [] is treated as absent (OpenAI rejects an empty list upstream);
//  - unknown keys inside `provider`, inside messages and inside stream_options are ignored;
//  - role "developer" becomes "system"; text parts are joined with "\n" into Message::text.
// parameters_sent holds the JSON names of the known parameters present (non-null), in body
// order, "max_tokens" for either spelling; model, models, route, messages, prompt and
// provider are not listed (they pick the route or carry the conversation).
// Strictness: integers must be JSON integers (1.0 is rejected), duplicate top-level keys
// are rejected (parsers disagree on which one wins), `prompt` is only accepted on
// /v1/completions and `messages` only on /v1/chat/completions.
#pragma once

#include <cstddef>
#include <string_view>

#include "providers/contract.h"
#include "providers/error.h"

namespace switchyard::proxy {

struct NormalizeOptions {
  bool completion_endpoint = false;  // /v1/completions: `prompt` instead of `messages`
  size_t max_messages = 10000;
  size_t max_models = 8;             // `models` fallback list length
};

Result<ChatRequest> normalize_chat_request(std::string_view body, const NormalizeOptions& options);

}  // namespace switchyard::proxy
