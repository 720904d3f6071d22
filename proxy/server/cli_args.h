// Command-line parsing shared by the subcommands: positional words and --name value (or
// --name=value) options; names listed as flags take no value.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "providers/error.h"

namespace switchyard::proxy::cli {

struct Args {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> options;  // --name value
  bool help = false;
  std::string error;

  const std::string* get(const std::string& name) const;
  bool has(const std::string& name) const { return get(name) != nullptr; }
};

Args parse_args(int argc, char** argv, int first, const std::vector<std::string>& flags);

// "switchyard: <message>" on stderr; returns 1.
int die(const std::string& message);

// The store URL: --db wins, then the config's database (--config FILE, default config.yaml).
Result<std::string> db_url_from(const Args& a);

}  // namespace switchyard::proxy::cli
