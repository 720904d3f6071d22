#include "proxy/server/metrics_wiring.h"

#include <set>

#include "proxy/http/error.h"
#include "proxy/http/guarded.h"

namespace switchyard::proxy {

namespace {

using metrics::GaugeFamily;
using metrics::Labels;

GaugeFamily endpoint_uptime(const CatalogHolder& catalog, const HealthTracker& health) {
  return GaugeFamily{"switchyard_endpoint_uptime_ratio", "Successful share of the endpoint's attempts in the last 5 minutes.",
                     "gauge", {"model", "provider", "upstream_model"},
                     [&catalog, &health](std::vector<std::pair<Labels, double>>& out) {
                       auto c = catalog.current();
                       for (const auto& m : c->config->models)
                         for (const auto& e : m.endpoints)
                           out.emplace_back(Labels{m.id, e.provider, e.upstream_model},
                                            health.health(EndpointId{m.id, e.provider, e.upstream_model}).uptime_last_5m);
                     }};
}

GaugeFamily circuits(const CatalogHolder& catalog, const HealthTracker& health) {
  return GaugeFamily{"switchyard_circuit_open", "1 while the endpoint's circuit is open (it is not tried).", "gauge",
                     {"provider", "upstream_model"}, [&catalog, &health](std::vector<std::pair<Labels, double>>& out) {
                       std::set<std::pair<std::string, std::string>> seen;  // circuits are per provider + upstream
                       auto c = catalog.current();
                       for (const auto& m : c->config->models)
                         for (const auto& e : m.endpoints) {
                           if (!seen.insert({e.provider, e.upstream_model}).second) continue;
                           auto h = health.health(EndpointId{m.id, e.provider, e.upstream_model});
                           out.emplace_back(Labels{e.provider, e.upstream_model}, h.circuit == CircuitStatus::open ? 1 : 0);
                         }
                     }};
}

// One family per stat name the providers report, labelled by provider.
void add_provider_stats(metrics::ProxyMetrics& m, const CatalogHolder& catalog) {
  for (const char* stat : {"queue_length", "active_sequences", "tokens_generated", "prefill_tokens_per_second",
                           "decode_tokens_per_second", "kv_cache_used_ratio"})
    m.add_gauge(GaugeFamily{std::string("switchyard_local_engine_") + stat, "The local engine's " + std::string(stat) + ".",
                            std::string(stat) == "tokens_generated" ? "counter" : "gauge", {"provider"},
                            [&catalog, name = std::string(stat)](std::vector<std::pair<Labels, double>>& out) {
                              auto c = catalog.current();
                              for (const auto& pc : c->config->providers) {
                                auto p = c->providers->find(pc.name);
                                if (!p) continue;
                                for (const auto& s : p->stats())
                                  if (s.name == name) out.emplace_back(Labels{pc.name}, s.value);
                              }
                            }});
}

}  // namespace

void add_scrape_gauges(metrics::ProxyMetrics& m, const CatalogHolder& catalog, const HealthTracker& health,
                       const db::LedgerWriter& ledger) {
  m.add_gauge(endpoint_uptime(catalog, health));
  m.add_gauge(circuits(catalog, health));
  m.add_gauge(GaugeFamily{"switchyard_ledger_queue_depth", "Usage rows waiting to be written.", "gauge", {},
                          [&ledger](auto& out) { out.emplace_back(Labels{}, static_cast<double>(ledger.queue_depth())); }});
  m.add_gauge(GaugeFamily{"switchyard_ledger_rows_written_total", "Usage rows written to the store.", "counter", {},
                          [&ledger](auto& out) {
                            out.emplace_back(Labels{}, static_cast<double>(ledger.stats().records_written));
                          }});
  add_provider_stats(m, catalog);
}

void mount_metrics_route(RouteTable& server, const metrics::ProxyMetrics& m, std::string token) {
  server.Get("/metrics", guarded([&m, token](const httplib::Request& req, httplib::Response& res) {
               if (!token.empty() && req.get_header_value("Authorization") != "Bearer " + token)
                 return send_error(res, Error{ErrorKind::unauthenticated, "GET /metrics needs the metrics token", 0, {}, 0});
               res.set_content(m.exposition(), "text/plain; version=0.0.4; charset=utf-8");
             }));
}

}  // namespace switchyard::proxy
