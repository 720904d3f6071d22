#include "proxy/pipeline/upstream_secrets.h"

#include <algorithm>
#include <cctype>

#include "proxy/http/redact.h"

namespace switchyard::proxy {

namespace {

bool secret_header(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* word : {"auth", "key", "token", "secret", "cookie"})
    if (name.find(word) != std::string::npos) return true;
  return false;
}

}  // namespace

std::vector<std::string> provider_secrets(const Config& config) {
  std::vector<std::string> out;
  for (const ProviderConfig& p : config.providers) {
    if (!p.api_key.empty()) out.push_back(p.api_key);
    for (const auto& [name, value] : p.headers)
      if (secret_header(name) && !value.empty()) out.push_back(value);
  }
  // Longer first: a secret that contains another is replaced whole.
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

Error clean_upstream_error(Error error, const Config* config) {
  return redact_error(std::move(error), config ? provider_secrets(*config) : std::vector<std::string>{});
}

}  // namespace switchyard::proxy
