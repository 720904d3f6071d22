// Query parameters of admin GETs, validated like bodies: a bad value is a 400 naming it.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <string>

#include "providers/error.h"

namespace switchyard::proxy::admin {

Result<int64_t> int_param(const httplib::Request& req, const char* name, int64_t fallback, int64_t lo, int64_t hi);
Result<bool> bool_param(const httplib::Request& req, const char* name, bool fallback);
// An ISO 8601 time; `fallback` when absent.
Result<int64_t> time_param(const httplib::Request& req, const char* name, int64_t fallback);

}  // namespace switchyard::proxy::admin
