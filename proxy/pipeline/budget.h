// The budget reservation's amount: the most a request can cost on any attempt of its plan
// (a failover may land on a dearer endpoint than the first).
#pragma once

#include "providers/request.h"
#include "proxy/billing/money.h"
#include "proxy/routing/router.h"

namespace switchyard::proxy {

// Prompt tokens: counted exactly by providers that know their tokenizer, else bounded by
// prompt_token_upper_bound; completion tokens: the max_tokens each attempt would send.
billing::Picodollars worst_case_for(const RoutePlan& plan, const ChatRequest& request);

}  // namespace switchyard::proxy
