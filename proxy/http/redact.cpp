#include "proxy/http/redact.h"

#include "providers/utf8.h"

namespace switchyard::proxy {

std::string redact_secrets(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  for (const std::string& secret : secrets) {
    if (secret.size() < kMinSecretLength) continue;
    for (size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at + kRedacted.size()))
      out.replace(at, secret.size(), kRedacted);
  }
  return out;
}

Error redact_error(Error error, const std::vector<std::string>& secrets) {
  error.message = make_valid_utf8(redact_secrets(error.message, secrets));
  error.metadata_json = redact_secrets(error.metadata_json, secrets);
  return error;
}

}  // namespace switchyard::proxy
