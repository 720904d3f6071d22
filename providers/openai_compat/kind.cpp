#include "providers/openai_compat/kind.h"

#include "providers/http/http_config.h"
#include "providers/openai_compat/openai_provider.h"

namespace switchyard::providers::openai_compat {

ProviderKind kind() {
  ProviderKind k;
  k.name = "openai";
  // An OpenAI-compatible upstream takes every parameter, n > 1 included.
  k.capabilities.max_choices = 128;  // OpenAI's bound; a provider entry may declare less
  k.capabilities.parameters = all_request_parameters();
  k.config_keys = http::kHttpConfigKeys;
  k.read_config = http::read_http_config;
  k.make = [](const ProviderConfig&) -> Result<std::shared_ptr<Provider>> {
    return std::make_shared<OpenAiCompatProvider>();
  };
  return k;
}

}  // namespace switchyard::providers::openai_compat
