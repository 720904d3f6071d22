// The provider contract (DESIGN.md §1): one normalized request in (request.h), a pull-based
// stream of normalized events out (events.h). proxy/ builds the ChatRequest; each
// providers/<kind>/ turns it into upstream bytes (or a local generation) and its answer
// back into Events. The catalog (models, endpoints, prices) is the proxy's, not the
// providers': an attempt hands a provider only its own settings and the upstream model.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "providers/events.h"
#include "providers/provider_config.h"
#include "providers/request.h"

namespace switchyard {

// What one attempt needs: the request, the endpoint chosen, and its provider's config.
struct OpenParams {
  const ChatRequest* request = nullptr;
  const UpstreamEndpoint* endpoint = nullptr;
  const ProviderConfig* provider = nullptr;
  int64_t max_tokens = 0;  // resolved by the proxy (>= 1, never more than the context left)
  // Called by providers while they wait for upstream bytes or tokens (at least every
  // 250 ms, and between bytes); false means the client is gone: the stream then ends with
  // an ErrorKind::cancelled event. Empty: never cancelled this way.
  std::function<bool()> keep_going;
  // The client's socket, when the request came on one (-1: none). Remote providers also
  // wake at once when it turns readable (the client's FIN), so they need not poll
  // keep_going often to notice a client that left: a held stream costs a wake-up per
  // upstream byte and per 250 ms, not one per 50 ms (issue 16's 2,000 held streams).
  int client_fd = -1;
};

struct ProviderStat {
  std::string name;  // snake_case, e.g. queue_length
  std::string help;
  double value = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;
  // Never throws. Failures surface as the stream's first (error) event.
  virtual std::unique_ptr<EventStream> open(const OpenParams& params) = 0;
  // The exact number of prompt tokens the request would take on this provider, for kinds
  // that know their tokenizer (ProviderCapabilities::knows_tokenizer); an invalid_argument
  // error for the others.
  virtual Result<int64_t> count_prompt_tokens(const OpenParams& params);
  // Gauges the provider can report when metrics are scraped (the local engine's queue,
  // sequences, throughput, KV cache); none by default.
  virtual std::vector<ProviderStat> stats() const { return {}; }
};

}  // namespace switchyard
