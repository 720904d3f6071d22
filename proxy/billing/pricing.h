// What an endpoint charges, and what a request's usage costs at that price (DESIGN.md §5).
#pragma once

#include <optional>

#include "providers/events.h"
#include "proxy/billing/money.h"

namespace switchyard::billing {

struct Pricing {
  Picodollars prompt;                      // per uncached prompt token
  Picodollars completion;                  // per completion token
  Picodollars request;                     // per request
  std::optional<Picodollars> cache_read;   // per prompt token read from a cache; none: the prompt price
  std::optional<Picodollars> cache_write;  // per prompt token written to a cache; none: the prompt price

  // What the router compares: prompt + completion per token.
  Picodollars blended() const { return prompt + completion; }
  bool is_free() const { return blended() == kZeroCost && request == kZeroCost; }
  bool operator==(const Pricing&) const = default;
};

// Uncached prompt tokens at the prompt price, cache reads and writes at theirs, completion
// tokens at the completion price, plus the per-request price.
Picodollars cost_of(const Usage& usage, const Pricing& pricing);

// What a request is charged. Zero-completion insurance (as on OpenRouter): when the model
// has it and the request produced no completion tokens or ended in an error, it is billed
// $0 and the cost it would have had is waived (and shown on its usage row).
struct Charge {
  Picodollars cost;
  Picodollars waived;
  bool insured = false;
};
Charge charge_for(const Usage& usage, const Pricing& pricing, bool insured_model, bool failed);

// The most one request can cost at `pricing`: every prompt token at the dearest prompt-side
// price (cache writes may cost more than plain prompt tokens), every allowed completion token,
// and the request price.
Picodollars worst_case_cost(int64_t prompt_tokens, int64_t max_completion_tokens, const Pricing& pricing);

}  // namespace switchyard::billing
