// Errors as values on the request path (DESIGN.md §3).
// Every failure a client can see is an Error; kinds map to HTTP codes in one place.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace switchyard {

enum class ErrorKind {
  invalid_argument,     // 400
  unauthenticated,      // 401
  payment_required,     // 402
  forbidden,            // 403
  not_found,            // 404
  payload_too_large,    // 413
  unprocessable,        // 422
  rate_limited,         // 429
  internal,             // 500
  upstream_error,       // 502: upstream answered with an error or garbage
  upstream_unavailable, // 502: could not reach the upstream at all
  no_route,             // 503
  timeout,              // 504
  cancelled,            // 499 (client closed request); never written to a live client
};

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
  int status = 0;               // explicit HTTP status; 0 means "derive from kind"
  std::string metadata_json;    // a JSON object literal (e.g. {"raw":...}) or empty
  int retry_after_seconds = 0;  // > 0: send Retry-After (429/503)
};

// The one place kinds become HTTP status codes.
int http_status(ErrorKind kind);
inline int http_status(const Error& e) { return e.status ? e.status : http_status(e.kind); }

// A short stable code name (e.g. "invalid_argument"), for logs and the ledger.
const char* error_kind_name(ErrorKind kind);

// Failover and blame, next to the kinds they are about (DESIGN.md §1):
// A failure that says nothing about the request itself: the next endpoint may serve it.
bool is_retryable(ErrorKind kind);
// A failure the request caused (or the client, by leaving): it says nothing about the
// endpoint's health and never counts against its uptime or circuit.
bool blames_request(ErrorKind kind);

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorKind kind, std::string message, std::string metadata_json = {}) {
  return std::unexpected(Error{kind, std::move(message), 0, std::move(metadata_json), 0});
}

}  // namespace switchyard
