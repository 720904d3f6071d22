// The read-only OpenAI/OpenRouter surface: models, one model's endpoints with live health,
// one generation, the calling key.
#pragma once

#include <httplib.h>

#include <string>
#include <vector>

#include "db/ledger_writer.h"
#include "db/store.h"
#include "proxy/auth/key_table.h"
#include "proxy/billing/pricing_book.h"
#include "proxy/routing/catalog.h"
#include "proxy/routing/health.h"

namespace switchyard::proxy {

struct InfoServices {
  const CatalogHolder* catalog = nullptr;
  KeyTable* keys = nullptr;
  HealthTracker* health = nullptr;
  db::UsageStore* usage = nullptr;     // a read connection of its own
  db::LedgerWriter* ledger = nullptr;  // flushed when a generation is not found yet
  const billing::PricingBook* prices = nullptr;
  std::function<int64_t()> now_ms;
};

void handle_models(const InfoServices& s, const httplib::Request& req, httplib::Response& res);
// GET /v1/models/{id} (the SDKs' models.retrieve); ids contain '/'.
void handle_model(const InfoServices& s, const httplib::Request& req, httplib::Response& res);
// GET /api/v1/models/{author}/{slug}/endpoints: OpenRouter's shape with live health.
void handle_endpoints(const InfoServices& s, const httplib::Request& req, httplib::Response& res);
void handle_generation(const InfoServices& s, const httplib::Request& req, httplib::Response& res);
void handle_key(const InfoServices& s, const httplib::Request& req, httplib::Response& res);

// The parameters a model's endpoints accept (union), in OpenRouter's naming.
std::vector<std::string> supported_parameters(const ModelConfig& model, const ProviderRegistry& registry);

}  // namespace switchyard::proxy
