// Provider secrets never leave the proxy (issue 16, finding 7): an upstream that echoes its
// key in an error ("Incorrect API key provided: Bearer sk-...") must not have it relayed to
// the client, written to a log or stored in a usage row. Every configured secret is replaced
// wherever it occurs; secrets shorter than kMinSecretLength are not searched for (they would
// match ordinary text and are no secret anyway).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "providers/error.h"

namespace switchyard::proxy {

inline constexpr size_t kMinSecretLength = 6;
inline constexpr std::string_view kRedacted = "[REDACTED]";

std::string redact_secrets(std::string_view text, const std::vector<std::string>& secrets);
// The message and the metadata, redacted; the message made valid UTF-8 (it may be stored).
Error redact_error(Error error, const std::vector<std::string>& secrets);

}  // namespace switchyard::proxy
