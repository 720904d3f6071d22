// The config keys every HTTP provider kind shares (base_url, api_key_env, headers,
// timeouts), read once for all of them.
#pragma once

#include <set>
#include <string>

#include "providers/config_reader.h"
#include "providers/provider_config.h"

namespace switchyard::providers::http {

inline const std::set<std::string> kHttpConfigKeys = {"base_url", "api_key_env", "headers", "timeouts", "max_choices"};

void read_http_config(ConfigReader& r, const YAML::Node& n, const std::string& path, ProviderConfig& pc);

}  // namespace switchyard::providers::http
