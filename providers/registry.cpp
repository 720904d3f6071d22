#include "providers/registry.h"

#include <algorithm>

#include "providers/anthropic/kind.h"
#include "providers/local/kind.h"
#include "providers/openai_compat/kind.h"

namespace switchyard {

bool ProviderCapabilities::supports(std::string_view parameter) const {
  return std::find(parameters.begin(), parameters.end(), parameter) != parameters.end();
}

int64_t max_choices_of(const ProviderKind& kind, const ProviderConfig& provider) {
  if (provider.max_choices > 0) return std::min(provider.max_choices, kind.capabilities.max_choices);
  return kind.capabilities.max_choices;
}

std::span<const ProviderKind> provider_kinds() {
  static const std::vector<ProviderKind> kinds = {providers::openai_compat::kind(), anthropic::kind(),
                                                  providers::local::kind()};
  return kinds;
}

const ProviderKind* find_provider_kind(std::string_view name) {
  for (const auto& k : provider_kinds())
    if (k.name == name) return &k;
  return nullptr;
}

std::string provider_kind_names() {
  std::string out;
  for (const auto& k : provider_kinds()) out += (out.empty() ? "" : ", ") + k.name;
  return out;
}

const std::vector<std::string>& all_request_parameters() {
  static const std::vector<std::string> all = {
      "max_tokens", "temperature", "top_p", "top_k", "min_p", "top_a", "frequency_penalty", "presence_penalty",
      "repetition_penalty", "seed", "stop", "logit_bias", "logprobs", "top_logprobs", "response_format", "tools",
      "tool_choice", "parallel_tool_calls", "n", "user", "stream_options"};
  return all;
}

}  // namespace switchyard
