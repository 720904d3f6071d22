// Errors on the wire (DESIGN.md §4), OpenRouter's shape with OpenAI's fields beside it, so
// SDKs and tools that switch on either work:
//   {"error":{"code":400,"message":"...","type":"invalid_request_error","param":"temperature",
//             "metadata":{...}}}
// `type` is OpenAI's (invalid_request_error, authentication_error, permission_error,
// not_found_error, rate_limit_error, insufficient_quota, server_error); `param` names the one
// field at fault (from metadata.param) or is null. And the helpers every handler uses to
// answer with a status and a body.
#pragma once

#include <httplib.h>

#include <string>

#include "providers/error.h"

namespace switchyard::proxy {

// Our JSON content type. With the charset parameter cpp-httplib 0.11 never compresses the
// body: brotli at its default quality costs far more than a small JSON body saves.
inline constexpr const char* kJsonContentType = "application/json; charset=utf-8";

// The OpenAI/OpenRouter error body.
std::string error_body(const Error& error);
// OpenAI's error type for a kind.
const char* openai_error_type(ErrorKind kind);

// Status from the error, Retry-After when it has one, and `body` (default: error_body).
void send_error(httplib::Response& res, const Error& error);
void send_error(httplib::Response& res, const Error& error, std::string body);
void send_json(httplib::Response& res, std::string body, int status = 200);

// A request header's value, or the fallback header's, or "" (names are case-insensitive).
std::string header_or(const httplib::Request& req, const char* name, const char* fallback = nullptr);

}  // namespace switchyard::proxy
