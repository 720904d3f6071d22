#include "proxy/config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "local_engine/engine.h"

namespace switchyard::proxy {

namespace {

// Every accessor knows the key path it reads, so an error can say where and what.
struct Ctx {
  std::string file;
  std::string error;  // first error wins
  void fail(const std::string& path, const std::string& expected, const YAML::Node& node) {
    if (!error.empty()) return;
    std::string got;
    if (node.IsDefined() && !node.IsNull()) {
      std::ostringstream os;
      os << node;
      got = os.str();
      if (got.size() > 60) got = got.substr(0, 57) + "...";
    }
    std::string where = node.IsDefined() && node.Mark().line >= 0
                            ? ":" + std::to_string(node.Mark().line + 1)
                            : "";
    error = file + where + ": " + path + ": expected " + expected + (got.empty() ? "" : ", got '" + got + "'");
  }
};

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

bool read_string(Ctx& c, const YAML::Node& parent, const std::string& path, const std::string& key, std::string& out,
                 bool required = false) {
  YAML::Node n = parent[key];
  if (!n.IsDefined() || n.IsNull()) {
    if (required) c.fail(join(path, key), "a string (required)", n);
    return false;
  }
  if (!n.IsScalar()) {
    c.fail(join(path, key), "a string", n);
    return false;
  }
  out = n.Scalar();
  return true;
}

template <class Int>
bool read_int(Ctx& c, const YAML::Node& parent, const std::string& path, const std::string& key, Int& out, int64_t lo,
              int64_t hi) {
  YAML::Node n = parent[key];
  if (!n.IsDefined() || n.IsNull()) return false;
  std::string expected = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (!n.IsScalar()) {
    c.fail(join(path, key), expected, n);
    return false;
  }
  const std::string& s = n.Scalar();
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0 || v < lo || v > hi) {
    c.fail(join(path, key), expected, n);
    return false;
  }
  out = static_cast<Int>(v);
  return true;
}

bool read_double(Ctx& c, const YAML::Node& parent, const std::string& path, const std::string& key, double& out,
                 double lo, double hi) {
  YAML::Node n = parent[key];
  if (!n.IsDefined() || n.IsNull()) return false;
  std::ostringstream range;
  range << "a number in [" << lo << ", " << hi << "]";
  if (!n.IsScalar()) {
    c.fail(join(path, key), range.str(), n);
    return false;
  }
  const std::string& s = n.Scalar();
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v) || v < lo || v > hi) {
    c.fail(join(path, key), range.str(), n);
    return false;
  }
  out = v;
  return true;
}

void check_keys(Ctx& c, const YAML::Node& map, const std::string& path, const std::set<std::string>& allowed) {
  for (const auto& kv : map) {
    std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (!allowed.count(k)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      c.fail(join(path, k), "one of the known keys (" + list + ")", kv.first);
      return;
    }
  }
}

bool expect_map(Ctx& c, const YAML::Node& n, const std::string& path) {
  if (!n.IsMap()) {
    c.fail(path, "a mapping", n);
    return false;
  }
  return true;
}

void read_server(Ctx& c, const YAML::Node& n, ServerConfig& s) {
  const std::string p = "server";
  if (!expect_map(c, n, p)) return;
  check_keys(c, n, p,
             {"host", "port", "threads", "max_body_bytes", "read_timeout_ms", "write_timeout_ms",
              "keep_alive_max_count", "keep_alive_timeout_ms"});
  read_string(c, n, p, "host", s.host);
  read_int(c, n, p, "port", s.port, 0, 65535);
  read_int(c, n, p, "threads", s.threads, 1, 4096);
  read_int(c, n, p, "max_body_bytes", s.max_body_bytes, 1024, int64_t{1} << 32);
  read_int(c, n, p, "read_timeout_ms", s.read_timeout_ms, 1, 86400000);
  read_int(c, n, p, "write_timeout_ms", s.write_timeout_ms, 1, 86400000);
  read_int(c, n, p, "keep_alive_max_count", s.keep_alive_max_count, 1, 1000000000);
  read_int(c, n, p, "keep_alive_timeout_ms", s.keep_alive_timeout_ms, 1, 86400000);
}

void read_provider(Ctx& c, const YAML::Node& n, const std::string& p, ProviderConfig& pc) {
  if (!expect_map(c, n, p)) return;
  check_keys(c, n, p,
             {"name", "kind", "base_url", "api_key_env", "headers", "timeouts", "data_collection", "model_path",
              "threads", "context_length", "max_sequences", "chat_template", "kv_cache", "device"});
  read_string(c, n, p, "name", pc.name, true);
  read_string(c, n, p, "kind", pc.kind, true);
  if (c.error.empty() && pc.kind != "openai" && pc.kind != "anthropic" && pc.kind != "local")
    c.fail(join(p, "kind"), "one of openai, anthropic, local", n["kind"]);
  if (pc.kind == "local") {
    read_string(c, n, p, "model_path", pc.model_path, true);
    read_int(c, n, p, "threads", pc.threads, 0, 1024);
    read_int(c, n, p, "context_length", pc.context_length, 0, 1 << 24);
    read_int(c, n, p, "max_sequences", pc.max_sequences, 0, 1024);
    read_string(c, n, p, "chat_template", pc.chat_template);
    if (read_string(c, n, p, "kv_cache", pc.kv_cache) && pc.kv_cache != "f32" && pc.kv_cache != "f16")
      c.fail(join(p, "kv_cache"), "f32 or f16", n["kv_cache"]);
    if (read_string(c, n, p, "device", pc.device) && !engine::parse_device(pc.device))
      c.fail(join(p, "device"), "auto, cpu or cuda:N", n["device"]);
  } else {
    read_string(c, n, p, "base_url", pc.base_url, true);
    while (!pc.base_url.empty() && pc.base_url.back() == '/') pc.base_url.pop_back();
    if (c.error.empty() && pc.base_url.rfind("http://", 0) != 0 && pc.base_url.rfind("https://", 0) != 0)
      c.fail(join(p, "base_url"), "an http:// or https:// URL", n["base_url"]);
    read_string(c, n, p, "api_key_env", pc.api_key_env);
  }
  std::string dc;
  if (read_string(c, n, p, "data_collection", dc)) {
    if (dc != "allow" && dc != "deny") c.fail(join(p, "data_collection"), "allow or deny", n["data_collection"]);
    pc.data_collection_allowed = dc == "allow";
  }
  if (YAML::Node h = n["headers"]; h.IsDefined() && !h.IsNull()) {
    if (!expect_map(c, h, join(p, "headers"))) return;
    for (const auto& kv : h) {
      if (!kv.second.IsScalar()) {
        c.fail(join(join(p, "headers"), kv.first.Scalar()), "a string", kv.second);
        return;
      }
      pc.headers.emplace_back(kv.first.Scalar(), kv.second.Scalar());
    }
  }
  if (YAML::Node t = n["timeouts"]; t.IsDefined() && !t.IsNull()) {
    std::string tp = join(p, "timeouts");
    if (!expect_map(c, t, tp)) return;
    check_keys(c, t, tp, {"connect_ms", "first_byte_ms", "idle_ms", "total_ms"});
    read_int(c, t, tp, "connect_ms", pc.connect_timeout_ms, 1, 86400000);
    read_int(c, t, tp, "first_byte_ms", pc.first_byte_timeout_ms, 1, 86400000);
    read_int(c, t, tp, "idle_ms", pc.idle_timeout_ms, 1, 86400000);
    read_int(c, t, tp, "total_ms", pc.total_timeout_ms, 1, 86400000);
  }
}

template <class Out>  // billing::Picodollars or std::optional of it
void read_price(Ctx& c, const YAML::Node& n, const std::string& p, const std::string& key, Out& out) {
  double usd = 0;
  if (!read_double(c, n, p, key, usd, 0, 1e6)) return;
  auto pico = billing::usd_per_million_to_pico_per_token(usd);
  if (!pico) c.fail(join(p, key), "a price in USD with at most 6 decimals", n[key]);
  else out = *pico;
}

void read_string_list(Ctx& c, const YAML::Node& n, const std::string& p, const std::string& key,
                      std::vector<std::string>& out) {
  YAML::Node l = n[key];
  if (!l.IsDefined() || l.IsNull()) return;
  if (!l.IsSequence()) return c.fail(join(p, key), "a list of strings", l);
  for (size_t i = 0; i < l.size(); ++i) {
    if (!l[i].IsScalar()) return c.fail(join(p, key) + "[" + std::to_string(i) + "]", "a string", l[i]);
    out.push_back(l[i].Scalar());
  }
}

void read_endpoint(Ctx& c, const YAML::Node& n, const std::string& p, EndpointConfig& e) {
  if (!expect_map(c, n, p)) return;
  check_keys(c, n, p,
             {"provider", "model", "pricing", "context_length", "max_completion_tokens", "quantization",
              "supported_parameters"});
  read_string(c, n, p, "provider", e.provider, true);
  read_string(c, n, p, "model", e.upstream_model, true);
  read_int(c, n, p, "context_length", e.context_length, 0, int64_t{1} << 30);
  read_int(c, n, p, "max_completion_tokens", e.max_completion_tokens, 0, int64_t{1} << 30);
  read_string(c, n, p, "quantization", e.quantization);
  if (e.quantization.empty()) e.quantization = "unknown";
  read_string_list(c, n, p, "supported_parameters", e.supported_parameters);
  YAML::Node pr = n["pricing"];
  if (pr.IsDefined() && !pr.IsNull()) {
    std::string pp = join(p, "pricing");
    if (!expect_map(c, pr, pp)) return;
    check_keys(c, pr, pp, {"prompt", "completion", "request", "cache_read", "cache_write"});
    read_price(c, pr, pp, "prompt", e.pricing.prompt);
    read_price(c, pr, pp, "completion", e.pricing.completion);
    read_price(c, pr, pp, "cache_read", e.pricing.cache_read);
    read_price(c, pr, pp, "cache_write", e.pricing.cache_write);
    double request_usd = 0;
    if (read_double(c, pr, pp, "request", request_usd, 0, 1000)) {
      if (auto pico = billing::usd_to_pico(request_usd)) e.pricing.request = *pico;
    }
  }
}

void read_model(Ctx& c, const YAML::Node& n, const std::string& p, ModelConfig& m) {
  if (!expect_map(c, n, p)) return;
  check_keys(c, n, p, {"id", "name", "description", "context_length", "max_completion_tokens", "created", "endpoints"});
  read_string(c, n, p, "id", m.id, true);
  if (c.error.empty() && (m.id.empty() || m.id.find(':') != std::string::npos))
    c.fail(join(p, "id"), "a model id without ':' (suffixes like :nitro are added by clients)", n["id"]);
  read_string(c, n, p, "name", m.name);
  if (m.name.empty()) m.name = m.id;
  read_string(c, n, p, "description", m.description);
  read_int(c, n, p, "context_length", m.context_length, 1, int64_t{1} << 30);
  read_int(c, n, p, "max_completion_tokens", m.max_completion_tokens, 0, int64_t{1} << 30);
  read_int(c, n, p, "created", m.created, 0, int64_t{1} << 40);
  if (m.context_length == 0) c.fail(join(p, "context_length"), "a positive integer (required)", n["context_length"]);
  YAML::Node eps = n["endpoints"];
  std::string ep = join(p, "endpoints");
  if (!eps.IsSequence() || eps.size() == 0) return c.fail(ep, "a non-empty list of endpoints", eps);
  for (size_t i = 0; i < eps.size() && c.error.empty(); ++i) {
    EndpointConfig e;
    read_endpoint(c, eps[i], ep + "[" + std::to_string(i) + "]", e);
    if (e.context_length == 0 || e.context_length > m.context_length) e.context_length = m.context_length;
    if (e.max_completion_tokens == 0) e.max_completion_tokens = m.max_completion_tokens;
    m.endpoints.push_back(std::move(e));
  }
}

std::string env_lookup(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

}  // namespace

const ProviderConfig* Config::find_provider(const std::string& name) const {
  for (const auto& p : providers)
    if (p.name == name) return &p;
  return nullptr;
}

const ModelConfig* Config::find_model(const std::string& id) const {
  for (const auto& m : models)
    if (m.id == id) return &m;
  return nullptr;
}

Result<std::shared_ptr<const Config>> parse_config(const std::string& yaml_text, const std::string& source_name,
                                                   const LoadConfigOptions& options) {
  Ctx c{source_name, {}};
  auto cfg = std::make_shared<Config>();
  cfg->source_path = source_name;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return fail(ErrorKind::invalid_argument,
                source_name + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  try {
    if (!root.IsMap()) {
      c.fail("(top level)", "a mapping with server, database, providers, models", root);
    } else {
      check_keys(c, root, "", {"server", "database", "routing", "providers", "models"});
      if (YAML::Node r = root["routing"]; r.IsDefined() && !r.IsNull()) {
        if (expect_map(c, r, "routing")) {
          check_keys(c, r, "routing",
                     {"circuit_failure_threshold", "circuit_cooldown_ms", "health_flush_interval_ms",
                      "health_retention_days"});
          read_int(c, r, "routing", "circuit_failure_threshold", cfg->routing.circuit_failure_threshold, 1, 1000);
          read_int(c, r, "routing", "circuit_cooldown_ms", cfg->routing.circuit_cooldown_ms, 1, 86400000);
          read_int(c, r, "routing", "health_flush_interval_ms", cfg->routing.health_flush_interval_ms, 0, 86400000);
          read_int(c, r, "routing", "health_retention_days", cfg->routing.health_retention_days, 1, 3650);
        }
      }
      if (root["server"].IsDefined()) read_server(c, root["server"], cfg->server);
      if (YAML::Node db = root["database"]; db.IsDefined() && !db.IsNull()) {
        if (expect_map(c, db, "database")) {
          check_keys(c, db, "database", {"path"});
          read_string(c, db, "database", "path", cfg->database_path);
        }
      }
      YAML::Node provs = root["providers"];
      if (!provs.IsSequence()) c.fail("providers", "a list of providers", provs);
      std::vector<ProviderConfig> all;
      for (size_t i = 0; c.error.empty() && provs.IsSequence() && i < provs.size(); ++i) {
        ProviderConfig pc;
        read_provider(c, provs[i], "providers[" + std::to_string(i) + "]", pc);
        for (const auto& other : all)
          if (c.error.empty() && other.name == pc.name)
            c.fail("providers[" + std::to_string(i) + "].name", "a unique provider name", provs[i]["name"]);
        all.push_back(std::move(pc));
      }
      YAML::Node models = root["models"];
      if (c.error.empty() && !models.IsSequence()) c.fail("models", "a list of models", models);
      for (size_t i = 0; c.error.empty() && models.IsSequence() && i < models.size(); ++i) {
        ModelConfig m;
        std::string p = "models[" + std::to_string(i) + "]";
        read_model(c, models[i], p, m);
        for (size_t j = 0; c.error.empty() && j < m.endpoints.size(); ++j) {
          bool known = false;
          for (const auto& pc : all) known |= pc.name == m.endpoints[j].provider;
          if (!known)
            c.fail(p + ".endpoints[" + std::to_string(j) + "].provider", "the name of a provider listed under providers",
                   models[i]["endpoints"][j]["provider"]);
        }
        if (c.error.empty() && cfg->find_model(m.id))
          c.fail(p + ".id", "a unique model id", models[i]["id"]);
        cfg->models.push_back(std::move(m));
      }
      // Resolve secrets; a provider whose secret is missing is skipped with a warning.
      auto getenv = options.getenv ? options.getenv : env_lookup;
      for (auto& pc : all) {
        if (!pc.api_key_env.empty()) {
          pc.api_key = getenv(pc.api_key_env);
          if (pc.api_key.empty()) {
            std::string why = "environment variable " + pc.api_key_env + " is not set";
            cfg->warnings.push_back("provider '" + pc.name + "' skipped: " + why);
            cfg->skipped_providers.emplace_back(pc.name, why);
            continue;
          }
        }
        cfg->providers.push_back(std::move(pc));
      }
      for (auto& m : cfg->models) {
        std::erase_if(m.endpoints, [&](const EndpointConfig& e) { return cfg->find_provider(e.provider) == nullptr; });
      }
    }
  } catch (const std::exception& e) {
    if (c.error.empty()) c.error = source_name + ": " + e.what();
  }
  if (!c.error.empty()) return fail(ErrorKind::invalid_argument, c.error);
  return std::shared_ptr<const Config>(std::move(cfg));
}

Result<std::shared_ptr<const Config>> load_config(const std::string& path, const LoadConfigOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorKind::not_found, path + ": cannot open config file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path, options);
}

}  // namespace switchyard::proxy
