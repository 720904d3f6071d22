// The upstream request body for an OpenAI-compatible /chat/completions or /completions
// call: the client's request with the model rewritten to the endpoint's upstream name and
// only the parameters the client actually sent (so upstream defaults stay in charge).
#pragma once

#include <string>

#include "providers/contract.h"

namespace switchyard::providers::openai_compat {

// params.request and params.endpoint must be set.
std::string build_request_body(const OpenParams& params);

}  // namespace switchyard::providers::openai_compat
