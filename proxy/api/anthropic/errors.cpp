#include "proxy/api/anthropic/errors.h"

#include "providers/json_writer.h"

namespace switchyard::proxy::anthropic {

const char* error_type(const Error& error) {
  if (error.kind == ErrorKind::upstream_unavailable) return "overloaded_error";
  const int status = http_status(error);
  switch (status) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 402: return "billing_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 503:
    case 529: return "overloaded_error";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string error_body(const Error& error) {
  JsonWriter w;
  w.begin_object().field("type", "error");
  w.key("error").begin_object().field("type", error_type(error)).field("message", error.message).end_object();
  return w.end_object().take();
}

}  // namespace switchyard::proxy::anthropic
