#include "proxy/router.h"

#include <algorithm>

#include "providers/json_writer.h"

namespace switchyard::proxy {

Router::Router(std::shared_ptr<const Config> config, std::shared_ptr<const ProviderRegistry> registry)
    : config_(std::move(config)), registry_(std::move(registry)) {}

namespace {
// The price of a typical request, for ordering: prompt and completion weigh the same.
int64_t blended_price(const EndpointConfig& e) {
  return e.pricing.prompt_pico_per_token + e.pricing.completion_pico_per_token;
}
}  // namespace

Result<RoutePlan> Router::plan(const ChatRequest& request) const {
  std::vector<std::string> model_ids;
  if (!request.model.empty()) model_ids.push_back(request.model);
  for (const auto& m : request.models)
    if (std::find(model_ids.begin(), model_ids.end(), m) == model_ids.end()) model_ids.push_back(m);

  RoutePlan plan;
  std::string skipped_reason;
  for (const auto& id : model_ids) {
    const ModelConfig* model = config_->find_model(id);
    if (!model) {
      if (model_ids.size() == 1)
        return fail(ErrorKind::not_found, "Model '" + id + "' is not available: see GET /v1/models",
                    "{\"model\":" + json_quote(id) + "}");
      continue;  // a fallback list may name models this deployment lacks
    }
    std::vector<const EndpointConfig*> eps;
    for (const auto& e : model->endpoints) eps.push_back(&e);
    std::stable_sort(eps.begin(), eps.end(),
                     [](auto* a, auto* b) { return blended_price(*a) < blended_price(*b); });
    for (const EndpointConfig* e : eps) {
      auto impl = registry_->find(e->provider);
      const ProviderConfig* pc = config_->find_provider(e->provider);
      if (!impl || !pc) continue;
      plan.attempts.push_back(Attempt{model, e, pc, impl});
    }
  }
  if (plan.attempts.empty()) {
    bool any_known = false;
    for (const auto& id : model_ids) any_known |= config_->find_model(id) != nullptr;
    if (!any_known)
      return fail(ErrorKind::not_found, "None of the requested models is available: see GET /v1/models");
    std::string why;
    for (const auto& [name, reason] : config_->skipped_providers) why += (why.empty() ? "" : "; ") + name + ": " + reason;
    return fail(ErrorKind::no_route,
                "No usable endpoint for this model" + (why.empty() ? std::string() : " (skipped providers: " + why + ")"));
  }
  return plan;
}

}  // namespace switchyard::proxy
