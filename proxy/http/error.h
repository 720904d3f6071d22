// Errors on the wire: {"error":{"code":N,"message":"...","metadata":{...}}} (DESIGN.md §4).
#pragma once

#include <string>

#include "providers/error.h"

namespace switchyard::proxy {

std::string error_body(const Error& error);

// Our JSON content type. With the charset parameter cpp-httplib 0.11 never compresses the
// body: brotli at its default quality costs far more than a small JSON body saves.
inline constexpr const char* kJsonContentType = "application/json; charset=utf-8";

}  // namespace switchyard::proxy
