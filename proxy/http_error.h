// Errors on the wire: {"error":{"code":N,"message":"...","metadata":{...}}} (DESIGN.md §4).
#pragma once

#include <string>

#include "providers/error.h"

namespace switchyard::proxy {

std::string error_body(const Error& error);

}  // namespace switchyard::proxy
