#include "providers/anthropic/kind.h"

#include "providers/anthropic/anthropic_provider.h"
#include "providers/http/http_config.h"

namespace switchyard::anthropic {

ProviderKind kind() {
  ProviderKind k;
  k.name = "anthropic";
  // What build_messages_body translates; the rest has no Messages API equivalent.
  k.capabilities.parameters = {"max_tokens", "temperature", "top_p", "top_k", "stop", "tools", "tool_choice", "user"};
  k.config_keys = providers::http::kHttpConfigKeys;
  k.read_config = providers::http::read_http_config;
  k.make = [](const ProviderConfig&) -> Result<std::shared_ptr<Provider>> {
    return std::shared_ptr<Provider>(make_anthropic_provider());
  };
  return k;
}

}  // namespace switchyard::anthropic
