// The secrets of every configured provider (API keys, secret-looking extra headers), to be
// redacted from upstream errors before they are relayed, logged or stored (http/redact.h).
// Computed on the error path only: errors are rare, requests are not.
#pragma once

#include <string>
#include <vector>

#include "providers/error.h"
#include "proxy/config/config.h"

namespace switchyard::proxy {

std::vector<std::string> provider_secrets(const Config& config);
// An upstream's error as it may leave the proxy: secrets redacted, message valid UTF-8.
Error clean_upstream_error(Error error, const Config* config);

}  // namespace switchyard::proxy
