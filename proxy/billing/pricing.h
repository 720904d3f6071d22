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

}  // namespace switchyard::billing
