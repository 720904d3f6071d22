#include "providers/error.h"

namespace switchyard {

int http_status(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_argument: return 400;
    case ErrorKind::unauthenticated: return 401;
    case ErrorKind::payment_required: return 402;
    case ErrorKind::forbidden: return 403;
    case ErrorKind::not_found: return 404;
    case ErrorKind::payload_too_large: return 413;
    case ErrorKind::unprocessable: return 422;
    case ErrorKind::rate_limited: return 429;
    case ErrorKind::internal: return 500;
    case ErrorKind::upstream_error: return 502;
    case ErrorKind::upstream_unavailable: return 502;
    case ErrorKind::no_route: return 503;
    case ErrorKind::timeout: return 504;
    case ErrorKind::cancelled: return 499;
  }
  return 500;
}

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_argument: return "invalid_argument";
    case ErrorKind::unauthenticated: return "unauthenticated";
    case ErrorKind::payment_required: return "payment_required";
    case ErrorKind::forbidden: return "forbidden";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::payload_too_large: return "payload_too_large";
    case ErrorKind::unprocessable: return "unprocessable";
    case ErrorKind::rate_limited: return "rate_limited";
    case ErrorKind::internal: return "internal";
    case ErrorKind::upstream_error: return "upstream_error";
    case ErrorKind::upstream_unavailable: return "upstream_unavailable";
    case ErrorKind::no_route: return "no_route";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::cancelled: return "cancelled";
  }
  return "internal";
}

bool is_retryable(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::upstream_error:
    case ErrorKind::upstream_unavailable:
    case ErrorKind::timeout:
    case ErrorKind::rate_limited:
    case ErrorKind::no_route:
    case ErrorKind::internal: return true;
    default: return false;
  }
}

bool blames_request(ErrorKind kind) {
  return kind == ErrorKind::invalid_argument || kind == ErrorKind::payload_too_large ||
         kind == ErrorKind::unprocessable || kind == ErrorKind::cancelled;
}

}  // namespace switchyard
