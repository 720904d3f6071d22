// What /metrics reads when scraped, wired from the services the composition root owns:
// endpoint uptime and circuits (health tracker over the live catalog), the ledger's queue
// and rows written, and each provider's own gauges (the local engines'). And the route.
#pragma once

#include <httplib.h>

#include "proxy/http/route_table.h"

#include "db/ledger_writer.h"
#include "proxy/metrics/proxy_metrics.h"
#include "proxy/routing/catalog.h"
#include "proxy/routing/health.h"

namespace switchyard::proxy {

void add_scrape_gauges(metrics::ProxyMetrics& m, const CatalogHolder& catalog, const HealthTracker& health,
                       const db::LedgerWriter& ledger);

// GET /metrics: the text exposition; with `token` set, only for "Authorization: Bearer <token>".
void mount_metrics_route(RouteTable& server, const metrics::ProxyMetrics& m, std::string token);

}  // namespace switchyard::proxy
