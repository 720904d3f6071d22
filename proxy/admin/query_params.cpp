#include "proxy/admin/query_params.h"

#include <cerrno>
#include <cstdlib>

#include "proxy/billing/periods.h"

namespace switchyard::proxy::admin {

namespace {
Error bad_param(const char* name, const std::string& expected, const std::string& got) {
  return Error{ErrorKind::invalid_argument,
               std::string("Query parameter '") + name + "' must be " + expected + ", got '" + got.substr(0, 40) + "'", 0,
               std::string("{\"param\":\"") + name + "\"}", 0};
}
}  // namespace

Result<int64_t> int_param(const httplib::Request& req, const char* name, int64_t fallback, int64_t lo, int64_t hi) {
  if (!req.has_param(name)) return fallback;
  std::string v = req.get_param_value(name);
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(v.c_str(), &end, 10);
  std::string expected = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (v.empty() || *end || errno || n < lo || n > hi) return std::unexpected(bad_param(name, expected, v));
  return n;
}

Result<bool> bool_param(const httplib::Request& req, const char* name, bool fallback) {
  if (!req.has_param(name)) return fallback;
  std::string v = req.get_param_value(name);
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return std::unexpected(bad_param(name, "true or false", v));
}

Result<int64_t> time_param(const httplib::Request& req, const char* name, int64_t fallback) {
  if (!req.has_param(name)) return fallback;
  std::string v = req.get_param_value(name);
  auto ms = billing::parse_iso8601(v);
  if (!ms) return std::unexpected(bad_param(name, "an ISO 8601 time (2026-12-01T00:00:00Z)", v));
  return *ms;
}

}  // namespace switchyard::proxy::admin
