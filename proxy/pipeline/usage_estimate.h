// Token counts when an upstream reports none (the ledger marks such rows usage_estimated).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "providers/events.h"
#include "providers/request.h"

namespace switchyard::proxy {

// About 4 bytes per token.
int64_t estimate_tokens(size_t bytes);
int64_t estimate_prompt_tokens(const ChatRequest& request);
// A count the prompt's real token count cannot exceed, for budget reservations: every
// token is at least one byte, plus framing per message and an allowance per image.
int64_t prompt_token_upper_bound(const ChatRequest& request);
// Usage as reported, or estimated from the request and the bytes generated.
Usage final_usage(const std::optional<Usage>& reported, const ChatRequest& request, size_t generated_bytes);
// Usage of a stream abandoned before its usage event: what the provider counted (the local
// engine knows the prompt exactly and every token it sampled; Anthropic reports the prompt
// at the start), the estimate for the rest, flagged estimated when any part is.
Usage abandoned_usage(const PartialUsage& counted, const ChatRequest& request, size_t generated_bytes);
// The bytes an event adds to the generated text (content, tool-call names and arguments).
size_t generated_bytes(const Event& event);

}  // namespace switchyard::proxy
