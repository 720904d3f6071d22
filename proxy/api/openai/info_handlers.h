// Read-only API surface: models, one generation, the calling key.
#pragma once

#include <httplib.h>

#include "proxy/server/app.h"

namespace switchyard::proxy {

void handle_models(App& app, const httplib::Request& req, httplib::Response& res);
void handle_generation(App& app, const httplib::Request& req, httplib::Response& res);
void handle_key(App& app, const httplib::Request& req, httplib::Response& res);

// The parameters a model's endpoints accept (union), in OpenRouter's naming.
std::vector<std::string> supported_parameters(const ModelConfig& model, const ProviderRegistry& registry);

}  // namespace switchyard::proxy

namespace switchyard::proxy {

// GET /api/v1/models/{author}/{slug}/endpoints: OpenRouter's shape with live health.
void handle_endpoints(App& app, const httplib::Request& req, httplib::Response& res);
// GET /health/ready: 200 when ready, 503 with the reason otherwise.
void handle_ready(App& app, const httplib::Request& req, httplib::Response& res);

}  // namespace switchyard::proxy
