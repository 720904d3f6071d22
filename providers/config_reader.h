// Reading config.yaml with errors that say where and what (DESIGN.md §3: config is untrusted
// input): "config.yaml:12: providers[1].timeouts.idle_ms: expected an integer in [1,
// 86400000], got 'soon'". The first error wins; later reads are no-ops that return false.
// Shared by the proxy's config reader and each provider kind's reader (registry.h).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace switchyard {

class ConfigReader {
 public:
  explicit ConfigReader(std::string file) : file_(std::move(file)) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& file() const { return file_; }

  // Records "<file>:<line>: <path>: expected <expected>, got '<node>'" unless an error exists.
  void fail(const std::string& path, const std::string& expected, const YAML::Node& node);
  void fail_message(const std::string& message);

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  // Each reads parent[key] into `out` and returns true when it was present and valid; an
  // absent or null key leaves `out` alone (an error only when `required`).
  bool string(const YAML::Node& parent, const std::string& path, const std::string& key, std::string& out,
              bool required = false);
  bool integer(const YAML::Node& parent, const std::string& path, const std::string& key, int64_t& out, int64_t lo,
               int64_t hi);
  bool integer(const YAML::Node& parent, const std::string& path, const std::string& key, int& out, int64_t lo,
               int64_t hi);
  bool number(const YAML::Node& parent, const std::string& path, const std::string& key, double& out, double lo,
              double hi);
  bool boolean(const YAML::Node& parent, const std::string& path, const std::string& key, bool& out);
  bool string_list(const YAML::Node& parent, const std::string& path, const std::string& key,
                   std::vector<std::string>& out);
  // A string that must be one of `allowed`.
  bool one_of(const YAML::Node& parent, const std::string& path, const std::string& key, std::string& out,
              const std::vector<std::string>& allowed);

  // Fails on the first key of `map` that is not in `allowed`, listing the known ones.
  void check_keys(const YAML::Node& map, const std::string& path, const std::set<std::string>& allowed);
  bool expect_map(const YAML::Node& node, const std::string& path);

 private:
  std::string file_;
  std::string error_;
};

}  // namespace switchyard
