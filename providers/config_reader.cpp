#include "providers/config_reader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace switchyard {

void ConfigReader::fail(const std::string& path, const std::string& expected, const YAML::Node& node) {
  if (!error_.empty()) return;
  std::string got;
  if (node.IsDefined() && !node.IsNull()) {
    std::ostringstream os;
    os << node;
    got = os.str();
    if (got.size() > 60) got = got.substr(0, 57) + "...";
  }
  std::string where = node.IsDefined() && node.Mark().line >= 0 ? ":" + std::to_string(node.Mark().line + 1) : "";
  error_ = file_ + where + ": " + path + ": expected " + expected + (got.empty() ? "" : ", got '" + got + "'");
}

void ConfigReader::fail_message(const std::string& message) {
  if (error_.empty()) error_ = file_ + ": " + message;
}

bool ConfigReader::string(const YAML::Node& parent, const std::string& path, const std::string& key,
                          std::string& out, bool required) {
  YAML::Node n = parent[key];
  if (!n.IsDefined() || n.IsNull()) {
    if (required) fail(join(path, key), "a string (required)", n);
    return false;
  }
  if (!n.IsScalar()) {
    fail(join(path, key), "a string", n);
    return false;
  }
  out = n.Scalar();
  return ok();
}

bool ConfigReader::integer(const YAML::Node& parent, const std::string& path, const std::string& key, int64_t& out,
                           int64_t lo, int64_t hi) {
  YAML::Node n = parent[key];
  if (!n.IsDefined() || n.IsNull()) return false;
  std::string expected = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (!n.IsScalar()) {
    fail(join(path, key), expected, n);
    return false;
  }
  const std::string& s = n.Scalar();
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0 || v < lo || v > hi) {
    fail(join(path, key), expected, n);
    return false;
  }
  out = v;
  return ok();
}

bool ConfigReader::integer(const YAML::Node& parent, const std::string& path, const std::string& key, int& out,
                           int64_t lo, int64_t hi) {
  int64_t v = 0;
  if (!integer(parent, path, key, v, lo, hi)) return false;
  out = static_cast<int>(v);
  return true;
}

bool ConfigReader::number(const YAML::Node& parent, const std::string& path, const std::string& key, double& out,
                          double lo, double hi) {
  YAML::Node n = parent[key];
  if (!n.IsDefined() || n.IsNull()) return false;
  std::ostringstream range;
  range << "a number in [" << lo << ", " << hi << "]";
  if (!n.IsScalar()) {
    fail(join(path, key), range.str(), n);
    return false;
  }
  const std::string& s = n.Scalar();
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v) || v < lo || v > hi) {
    fail(join(path, key), range.str(), n);
    return false;
  }
  out = v;
  return ok();
}

bool ConfigReader::boolean(const YAML::Node& parent, const std::string& path, const std::string& key, bool& out) {
  YAML::Node n = parent[key];
  if (!n.IsDefined() || n.IsNull()) return false;
  if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) {
    out = n.Scalar() == "true";
    return ok();
  }
  fail(join(path, key), "true or false", n);
  return false;
}

bool ConfigReader::string_list(const YAML::Node& parent, const std::string& path, const std::string& key,
                               std::vector<std::string>& out) {
  YAML::Node l = parent[key];
  if (!l.IsDefined() || l.IsNull()) return false;
  if (!l.IsSequence()) {
    fail(join(path, key), "a list of strings", l);
    return false;
  }
  for (size_t i = 0; i < l.size(); ++i) {
    if (!l[i].IsScalar()) {
      fail(join(path, key) + "[" + std::to_string(i) + "]", "a string", l[i]);
      return false;
    }
    out.push_back(l[i].Scalar());
  }
  return ok();
}

bool ConfigReader::one_of(const YAML::Node& parent, const std::string& path, const std::string& key,
                          std::string& out, const std::vector<std::string>& allowed) {
  std::string v;
  if (!string(parent, path, key, v)) return false;
  for (const auto& a : allowed)
    if (a == v) {
      out = v;
      return true;
    }
  std::string list;
  for (size_t i = 0; i < allowed.size(); ++i)
    list += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + allowed[i];
  fail(join(path, key), allowed.size() > 2 ? "one of " + list : list, parent[key]);
  return false;
}

void ConfigReader::check_keys(const YAML::Node& map, const std::string& path, const std::set<std::string>& allowed) {
  for (const auto& kv : map) {
    std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (allowed.count(k)) continue;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    fail(join(path, k), "one of the known keys (" + list + ")", kv.first);
    return;
  }
}

bool ConfigReader::expect_map(const YAML::Node& n, const std::string& path) {
  if (n.IsMap()) return true;
  fail(path, "a mapping", n);
  return false;
}

}  // namespace switchyard
