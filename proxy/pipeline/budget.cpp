#include "proxy/pipeline/budget.h"

#include <algorithm>

#include "proxy/billing/pricing.h"
#include "proxy/pipeline/attempts.h"
#include "proxy/pipeline/usage_estimate.h"

namespace switchyard::proxy {

namespace {

int64_t prompt_tokens_on(const Attempt& a, const ChatRequest& r, int64_t upper_bound) {
  if (!a.kind || !a.kind->capabilities.knows_tokenizer) return upper_bound;
  OpenParams params{&r, a.endpoint, a.provider, 1, {}};
  auto exact = a.impl->count_prompt_tokens(params);
  return exact ? *exact : upper_bound;
}

}  // namespace

billing::Picodollars worst_case_for(const RoutePlan& plan, const ChatRequest& r) {
  const int64_t upper_bound = prompt_token_upper_bound(r);
  const int64_t estimate = estimate_prompt_tokens(r);
  billing::Picodollars worst = billing::kZeroCost;
  for (const Attempt& a : plan.attempts) {
    auto max_tokens = resolve_max_tokens(r, *a.endpoint, estimate);
    if (!max_tokens) continue;  // this attempt will be refused before anything is spent
    int64_t prompt = prompt_tokens_on(a, r, upper_bound);
    worst = std::max(worst, billing::worst_case_cost(prompt, *max_tokens, a.price.pricing));
  }
  return worst;
}

}  // namespace switchyard::proxy
