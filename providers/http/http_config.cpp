#include "providers/http/http_config.h"

namespace switchyard::providers::http {

namespace {

void read_headers(ConfigReader& r, const YAML::Node& h, const std::string& path, ProviderConfig& pc) {
  if (!h.IsDefined() || h.IsNull() || !r.expect_map(h, path)) return;
  for (const auto& kv : h) {
    if (!kv.second.IsScalar()) return r.fail(ConfigReader::join(path, kv.first.Scalar()), "a string", kv.second);
    pc.headers.emplace_back(kv.first.Scalar(), kv.second.Scalar());
  }
}

void read_timeouts(ConfigReader& r, const YAML::Node& t, const std::string& path, ProviderConfig& pc) {
  if (!t.IsDefined() || t.IsNull() || !r.expect_map(t, path)) return;
  r.check_keys(t, path, {"connect_ms", "first_byte_ms", "idle_ms", "total_ms"});
  r.integer(t, path, "connect_ms", pc.connect_timeout_ms, 1, 86400000);
  r.integer(t, path, "first_byte_ms", pc.first_byte_timeout_ms, 1, 86400000);
  r.integer(t, path, "idle_ms", pc.idle_timeout_ms, 1, 86400000);
  r.integer(t, path, "total_ms", pc.total_timeout_ms, 1, 86400000);
}

}  // namespace

void read_http_config(ConfigReader& r, const YAML::Node& n, const std::string& path, ProviderConfig& pc) {
  r.string(n, path, "base_url", pc.base_url, true);
  while (!pc.base_url.empty() && pc.base_url.back() == '/') pc.base_url.pop_back();
  if (r.ok() && pc.base_url.rfind("http://", 0) != 0 && pc.base_url.rfind("https://", 0) != 0)
    r.fail(ConfigReader::join(path, "base_url"), "an http:// or https:// URL", n["base_url"]);
  r.string(n, path, "api_key_env", pc.api_key_env);
  r.integer(n, path, "max_choices", pc.max_choices, 1, 128);
  read_headers(r, n["headers"], ConfigReader::join(path, "headers"), pc);
  read_timeouts(r, n["timeouts"], ConfigReader::join(path, "timeouts"), pc);
}

}  // namespace switchyard::providers::http
