#include "proxy/server/cli_args.h"

#include <algorithm>
#include <cstdio>

#include "proxy/config/config.h"

namespace switchyard::proxy::cli {

const std::string* Args::get(const std::string& name) const {
  for (const auto& [k, v] : options)
    if (k == name) return &v;
  return nullptr;
}

Args parse_args(int argc, char** argv, int first, const std::vector<std::string>& flags) {
  Args a;
  for (int i = first; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "--help" || s == "-h") {
      a.help = true;
    } else if (s.rfind("--", 0) == 0) {
      std::string name = s.substr(2), value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        a.error = "option --" + name + " needs a value";
      }
      a.options.emplace_back(name, value);
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

int die(const std::string& message) {
  std::fprintf(stderr, "switchyard: %s\n", message.c_str());
  return 1;
}

Result<std::string> db_url_from(const Args& a) {
  if (auto* db = a.get("db")) return *db;
  std::string config_path = a.get("config") ? *a.get("config") : "config.yaml";
  auto cfg = load_config(config_path);
  if (!cfg) return std::unexpected(cfg.error());
  return (*cfg)->database_url;
}

}  // namespace switchyard::proxy::cli
