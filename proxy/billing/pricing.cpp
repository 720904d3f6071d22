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

}  // namespace switchyard::billing
