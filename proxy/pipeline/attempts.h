// Failover before the first byte (DESIGN.md §1): try each planned attempt in order until
// one yields a first event that is not an error. Endpoints cooling down (open circuit,
// Retry-After) are skipped; every attempt made goes into the health tracker and the
// request's ledger row. A request-caused error (is_retryable false) ends that model's
// attempts: its other endpoints would refuse the same request, the next model may not.
#pragma once

#include <functional>
#include <memory>

#include "providers/contract.h"
#include "proxy/pipeline/request_ledger.h"
#include "proxy/routing/health.h"
#include "proxy/routing/router.h"

namespace switchyard::proxy {

struct OpenedAttempt {
  std::unique_ptr<EventStream> stream;
  Event first;
  Attempt attempt;
};

struct AttemptParams {
  const RoutePlan* plan = nullptr;
  const ChatRequest* request = nullptr;
  HealthTracker* health = nullptr;
  std::function<bool()> keep_going;  // OpenParams::keep_going for every attempt
  const Config* config = nullptr;    // its provider secrets are redacted from upstream errors
  int client_fd = -1;                // OpenParams::client_fd
};

Result<OpenedAttempt> open_first_attempt(const AttemptParams& params, RequestLedger& ledger);

// The completion budget: what the client asked (else the catalog's default_max_tokens, else
// the endpoint's cap), never more than the context left after the prompt; a prompt that
// does not fit is a 400.
Result<int64_t> resolve_max_tokens(const ChatRequest& request, const EndpointConfig& endpoint, int64_t prompt_estimate);

}  // namespace switchyard::proxy
