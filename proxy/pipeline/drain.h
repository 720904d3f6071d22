// A response after its attempt yielded the first event: the stream, the sink that writes
// the format, and the ledger that records how it ended. Shared by the plain and the
// streaming paths of completion.cpp (the streaming one outlives the handler: httplib runs
// it later, so everything it needs is held here).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "providers/contract.h"
#include "proxy/billing/pricing.h"
#include "proxy/http/client_channel.h"
#include "proxy/pipeline/request_ledger.h"
#include "proxy/pipeline/response_sink.h"
#include "proxy/routing/catalog.h"

namespace switchyard::proxy {

struct DrainResult {
  Usage usage;
  billing::Picodollars cost;      // what is billed (after zero-completion insurance)
  billing::Picodollars waived;    // what insurance waived
  bool insured = false;
  std::optional<Error> failure;  // the stream broke after its first event
  std::string finish_reason, native_finish_reason;
};

struct Drain {
  std::shared_ptr<const Catalog> catalog;  // keeps the attempt's models and providers alive
  std::shared_ptr<ChatRequest> request;
  std::shared_ptr<RequestLedger> ledger;
  std::shared_ptr<ClientChannel> channel;
  std::unique_ptr<ResponseSink> sink;
  std::unique_ptr<EventStream> stream;
  std::optional<Event> first;
  ResponseStart start;
  billing::Pricing pricing;
  bool insured_model = true;  // the model has zero-completion insurance

  // Passes every event but usage and errors to `deliver` (false: stop, the client is gone),
  // then closes the stream (which cancels what is left upstream) and prices the usage.
  DrainResult pull_all(const std::function<bool(const Event&)>& deliver);
  // Records the outcome (cancelled when the client left).
  void finish(const DrainResult& result, bool client_gone);
  void finish_internal_error(const std::string& message);
  void finish_never_started();
};

}  // namespace switchyard::proxy
