// Errors on the wire (DESIGN.md §4): {"error":{"code":N,"message":"...","metadata":{...}}},
// and the helpers every handler uses to answer with a status and a body.
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

// Status from the error, Retry-After when it has one, and `body` (default: error_body).
void send_error(httplib::Response& res, const Error& error);
void send_error(httplib::Response& res, const Error& error, std::string body);
void send_json(httplib::Response& res, std::string body, int status = 200);

// A request header's value, or the fallback header's, or "" (names are case-insensitive).
std::string header_or(const httplib::Request& req, const char* name, const char* fallback = nullptr);

}  // namespace switchyard::proxy
