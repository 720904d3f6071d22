// Errors in Anthropic's shape: {"type":"error","error":{"type":"<error type>","message":"..."}},
// as a whole HTTP body and as the `error` event of a stream. The HTTP status stays the one
// the pipeline chose (http_status(error)); the type says what it means in Anthropic's words:
//   400, 422 invalid_request_error   401 authentication_error   402 billing_error
//   403 permission_error             404 not_found_error        413 request_too_large
//   429 rate_limit_error             500, 502, 504 api_error
//   503 and 529 overloaded_error, and so is 502 when the upstream could not be reached
//   (upstream_unavailable): both mean "nobody can serve this right now, retry later", which
//   is what Anthropic's 529 says; an upstream that answered with garbage is an api_error.
// Other 4xx statuses read as invalid_request_error, other 5xx as api_error.
#pragma once

#include <string>

#include "providers/error.h"

namespace switchyard::proxy::anthropic {

const char* error_type(const Error& error);
// The HTTP body (and the data of a stream's `error` event).
std::string error_body(const Error& error);

}  // namespace switchyard::proxy::anthropic
