#include "proxy/billing/pricing.h"

#include <algorithm>

namespace switchyard::billing {

Picodollars cost_of(const Usage& u, const Pricing& p) {
  Picodollars cache_read = p.cache_read.value_or(p.prompt);
  Picodollars cache_write = p.cache_write.value_or(p.prompt);
  int64_t uncached = std::max<int64_t>(0, u.prompt_tokens - u.cached_tokens - u.cache_write_tokens);
  return p.prompt * uncached + cache_read * u.cached_tokens + cache_write * u.cache_write_tokens +
         p.completion * u.completion_tokens + p.request;
}

Charge charge_for(const Usage& usage, const Pricing& pricing, bool insured_model, bool failed) {
  Picodollars cost = cost_of(usage, pricing);
  if (insured_model && (usage.completion_tokens == 0 || failed)) return Charge{kZeroCost, cost, true};
  return Charge{cost, kZeroCost, false};
}

Picodollars worst_case_cost(int64_t prompt_tokens, int64_t max_completion_tokens, const Pricing& p) {
  Picodollars prompt = std::max({p.prompt, p.cache_read.value_or(p.prompt), p.cache_write.value_or(p.prompt)});
  return prompt * prompt_tokens + p.completion * max_completion_tokens + p.request;
}

}  // namespace switchyard::billing
