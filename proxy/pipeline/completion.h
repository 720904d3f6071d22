// The completion pipeline (DESIGN.md §1), the same for every ingress format:
//   authenticate (from the headers) -> limits -> parse the body (the format's parser) ->
//   plan the route on the current catalog -> open attempts with failover before the first
//   event -> drain the events into the format's ResponseSink, as one JSON body or as a
//   stream -> RequestLedger::finish, exactly once.
// Before the first event every failure is an HTTP error in the format's shape; after it, a
// failure ends the stream the way the format says (ResponseEnd::failure).
#pragma once

#include <httplib.h>

#include "db/ledger_writer.h"
#include "proxy/auth/key_table.h"
#include "proxy/pipeline/response_sink.h"
#include "proxy/routing/catalog.h"
#include "proxy/routing/health.h"

namespace switchyard::proxy {

struct PipelineServices {
  const CatalogHolder* catalog = nullptr;
  KeyTable* keys = nullptr;
  HealthTracker* health = nullptr;
  db::LedgerWriter* ledger = nullptr;
  bool quiet = false;  // no access-log lines
};

// Never throws out of the handler's own work; the response is written into `res`.
void run_completion(const PipelineServices& services, const WireFormat& format, const httplib::Request& req,
                    httplib::Response& res);

}  // namespace switchyard::proxy
