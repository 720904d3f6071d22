#include "proxy/config/config.h"

#include <fstream>
#include <sstream>

#include "providers/config_reader.h"
#include "providers/registry.h"

namespace switchyard::proxy {

namespace {

using Node = YAML::Node;

std::string env_lookup(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

void read_server(ConfigReader& r, const Node& n, ServerConfig& s) {
  const std::string p = "server";
  if (!r.expect_map(n, p)) return;
  r.check_keys(n, p,
               {"host", "port", "threads", "max_body_bytes", "read_timeout_ms", "write_timeout_ms",
                "keep_alive_max_count", "keep_alive_timeout_ms", "listen_backlog", "list_unavailable_models", "cors_origins",
                "max_workers", "reserved_workers", "accept_queue", "max_connections_per_ip", "header_timeout_ms",
                "request_decompression"});
  r.string(n, p, "host", s.host);
  r.integer(n, p, "port", s.port, 0, 65535);
  r.integer(n, p, "threads", s.threads, 1, 4096);
  r.integer(n, p, "max_body_bytes", s.max_body_bytes, 1024, int64_t{1} << 32);
  r.integer(n, p, "read_timeout_ms", s.read_timeout_ms, 1, 86400000);
  r.integer(n, p, "write_timeout_ms", s.write_timeout_ms, 1, 86400000);
  r.integer(n, p, "keep_alive_max_count", s.keep_alive_max_count, 1, 1000000000);
  r.integer(n, p, "keep_alive_timeout_ms", s.keep_alive_timeout_ms, 1, 86400000);
  r.integer(n, p, "listen_backlog", s.listen_backlog, 1, 65535);
  r.integer(n, p, "max_workers", s.max_workers, 2, 65536);
  r.integer(n, p, "reserved_workers", s.reserved_workers, 1, 65535);
  r.integer(n, p, "accept_queue", s.accept_queue, 0, 1000000);
  r.integer(n, p, "max_connections_per_ip", s.max_connections_per_ip, 0, 1000000);
  r.integer(n, p, "header_timeout_ms", s.header_timeout_ms, 1, 3600000);
  r.boolean(n, p, "request_decompression", s.request_decompression);
  if (s.reserved_workers >= s.max_workers) r.fail_message(r.file() + ": server.reserved_workers must be less than server.max_workers");
  r.boolean(n, p, "list_unavailable_models", s.list_unavailable_models);
  if (n["cors_origins"].IsDefined()) {
    s.cors_origins.clear();
    r.string_list(n, p, "cors_origins", s.cors_origins);
  }
}

void read_routing(ConfigReader& r, const Node& n, RoutingConfig& rc) {
  if (!n.IsDefined() || n.IsNull() || !r.expect_map(n, "routing")) return;
  r.check_keys(n, "routing",
               {"circuit_failure_threshold", "circuit_cooldown_ms", "health_flush_interval_ms", "health_retention_days"});
  r.integer(n, "routing", "circuit_failure_threshold", rc.circuit_failure_threshold, 1, 1000);
  r.integer(n, "routing", "circuit_cooldown_ms", rc.circuit_cooldown_ms, 1, 86400000);
  r.integer(n, "routing", "health_flush_interval_ms", rc.health_flush_interval_ms, 0, 86400000);
  r.integer(n, "routing", "health_retention_days", rc.health_retention_days, 1, 3650);
}

void read_rate_limits(ConfigReader& r, const Node& n, RateLimitDefaults& d) {
  if (!n.IsDefined() || n.IsNull() || !r.expect_map(n, "rate_limits")) return;
  r.check_keys(n, "rate_limits", {"rpm", "tpm", "max_concurrent", "redis_url", "redis_failure"});
  r.string(n, "rate_limits", "redis_url", d.redis_url);
  std::string failure;
  if (r.one_of(n, "rate_limits", "redis_failure", failure, {"open", "closed"})) d.redis_fail_open = failure == "open";
  r.integer(n, "rate_limits", "rpm", d.rpm, 0, 1000000000);
  r.integer(n, "rate_limits", "tpm", d.tpm, 0, int64_t{1} << 50);
  r.integer(n, "rate_limits", "max_concurrent", d.max_concurrent, 0, 1000000);
}

// The token is a secret: token_env names the environment variable that holds it (token,
// the literal form, is accepted for quick local setups).
void read_metrics(ConfigReader& r, const Node& n, MetricsConfig& m, const LoadConfigOptions& options) {
  if (!n.IsDefined() || n.IsNull() || !r.expect_map(n, "metrics")) return;
  r.check_keys(n, "metrics", {"token", "token_env", "per_key"});
  r.string(n, "metrics", "token", m.token);
  std::string env;
  if (r.string(n, "metrics", "token_env", env)) {
    m.token = (options.getenv ? options.getenv : env_lookup)(env);
    if (m.token.empty()) r.fail("metrics.token_env", "the name of a set environment variable", n["token_env"]);
  }
  r.boolean(n, "metrics", "per_key", m.per_key);
}

void read_logging(ConfigReader& r, const Node& n, LoggingConfig& l) {
  if (!n.IsDefined() || n.IsNull() || !r.expect_map(n, "logging")) return;
  r.check_keys(n, "logging", {"access_log", "format"});
  r.boolean(n, "logging", "access_log", l.access_log);
  std::string format;
  if (r.one_of(n, "logging", "format", format, {"text", "json"})) l.json = format == "json";
}

// `url_env` names an environment variable holding the URL: a PostgreSQL password stays out
// of config.yaml.
void read_database(ConfigReader& r, const Node& n, Config& cfg, const LoadConfigOptions& options) {
  if (!n.IsDefined() || n.IsNull() || !r.expect_map(n, "database")) return;
  r.check_keys(n, "database", {"path", "url", "url_env", "usage_retention_days", "max_queued_rows", "spill_path"});
  // `path` is a SQLite file; `url` is any store URL (sqlite:PATH, postgres://...).
  r.string(n, "database", "path", cfg.database_url);
  r.string(n, "database", "url", cfg.database_url);
  std::string env;
  if (r.string(n, "database", "url_env", env)) {
    cfg.database_url = (options.getenv ? options.getenv : env_lookup)(env);
    if (cfg.database_url.empty()) r.fail("database.url_env", "the name of a set environment variable", n["url_env"]);
  }
  r.integer(n, "database", "usage_retention_days", cfg.usage_retention_days, 0, 100000);
  r.integer(n, "database", "max_queued_rows", cfg.database_max_queued_rows, 1, int64_t{1} << 32);
  r.string(n, "database", "spill_path", cfg.database_spill_path);
}

// The keys every provider entry has, then the kind's own (providers/registry.h).
void read_provider(ConfigReader& r, const Node& n, const std::string& p, ProviderConfig& pc) {
  if (!r.expect_map(n, p)) return;
  r.string(n, p, "name", pc.name, true);
  r.string(n, p, "kind", pc.kind, true);
  const ProviderKind* kind = find_provider_kind(pc.kind);
  if (r.ok() && !kind) return r.fail(ConfigReader::join(p, "kind"), "one of " + provider_kind_names(), n["kind"]);
  if (!kind) return;
  std::set<std::string> keys = {"name", "kind", "data_collection"};
  keys.insert(kind->config_keys.begin(), kind->config_keys.end());
  r.check_keys(n, p, keys);
  std::string dc;
  if (r.one_of(n, p, "data_collection", dc, {"allow", "deny"})) pc.data_collection_allowed = dc == "allow";
  kind->read_config(r, n, p, pc);
}

template <class Out>  // billing::Picodollars or std::optional of it
void read_price(ConfigReader& r, const Node& n, const std::string& p, const std::string& key, Out& out) {
  double usd = 0;
  if (!r.number(n, p, key, usd, 0, 1e6)) return;
  auto pico = billing::usd_per_million_to_pico_per_token(usd);
  if (!pico) r.fail(ConfigReader::join(p, key), "a price in USD with at most 6 decimals", n[key]);
  else out = *pico;
}

void read_pricing(ConfigReader& r, const Node& pr, const std::string& pp, std::optional<billing::Pricing>& out) {
  if (!pr.IsDefined() || pr.IsNull() || !r.expect_map(pr, pp)) return;
  billing::Pricing& pricing = out.emplace();
  r.check_keys(pr, pp, {"prompt", "completion", "request", "cache_read", "cache_write"});
  read_price(r, pr, pp, "prompt", pricing.prompt);
  read_price(r, pr, pp, "completion", pricing.completion);
  read_price(r, pr, pp, "cache_read", pricing.cache_read);
  read_price(r, pr, pp, "cache_write", pricing.cache_write);
  double request_usd = 0;
  if (r.number(pr, pp, "request", request_usd, 0, 1000)) {
    if (auto pico = billing::usd_to_pico(request_usd)) pricing.request = *pico;
  }
}

void read_endpoint(ConfigReader& r, const Node& n, const std::string& p, EndpointConfig& e) {
  if (!r.expect_map(n, p)) return;
  r.check_keys(n, p,
               {"provider", "model", "pricing", "context_length", "max_completion_tokens", "default_max_tokens",
                "quantization", "supported_parameters"});
  r.string(n, p, "provider", e.provider, true);
  r.string(n, p, "model", e.upstream_model, true);
  r.integer(n, p, "context_length", e.context_length, 0, int64_t{1} << 30);
  r.integer(n, p, "max_completion_tokens", e.max_completion_tokens, 0, int64_t{1} << 30);
  r.integer(n, p, "default_max_tokens", e.default_max_tokens, 0, int64_t{1} << 30);
  r.string(n, p, "quantization", e.quantization);
  if (e.quantization.empty()) e.quantization = "unknown";
  r.string_list(n, p, "supported_parameters", e.supported_parameters);
  read_pricing(r, n["pricing"], ConfigReader::join(p, "pricing"), e.pricing);
}

void read_model(ConfigReader& r, const Node& n, const std::string& p, ModelConfig& m) {
  if (!r.expect_map(n, p)) return;
  r.check_keys(n, p,
               {"id", "name", "description", "context_length", "max_completion_tokens", "default_max_tokens", "created",
                "zero_completion_insurance", "endpoints"});
  r.string(n, p, "id", m.id, true);
  if (r.ok() && (m.id.empty() || m.id.find(':') != std::string::npos))
    r.fail(ConfigReader::join(p, "id"), "a model id without ':' (suffixes like :nitro are added by clients)", n["id"]);
  r.string(n, p, "name", m.name);
  if (m.name.empty()) m.name = m.id;
  r.string(n, p, "description", m.description);
  r.integer(n, p, "context_length", m.context_length, 1, int64_t{1} << 30);
  r.integer(n, p, "max_completion_tokens", m.max_completion_tokens, 0, int64_t{1} << 30);
  r.integer(n, p, "default_max_tokens", m.default_max_tokens, 0, int64_t{1} << 30);
  r.integer(n, p, "created", m.created, 0, int64_t{1} << 40);
  r.boolean(n, p, "zero_completion_insurance", m.zero_completion_insurance);
  if (m.context_length == 0)
    r.fail(ConfigReader::join(p, "context_length"), "a positive integer (required)", n["context_length"]);
  Node eps = n["endpoints"];
  std::string ep = ConfigReader::join(p, "endpoints");
  if (!eps.IsSequence() || eps.size() == 0) return r.fail(ep, "a non-empty list of endpoints", eps);
  for (size_t i = 0; i < eps.size() && r.ok(); ++i) {
    EndpointConfig e;
    read_endpoint(r, eps[i], ep + "[" + std::to_string(i) + "]", e);
    if (e.context_length == 0 || e.context_length > m.context_length) e.context_length = m.context_length;
    if (e.max_completion_tokens == 0) e.max_completion_tokens = m.max_completion_tokens;
    if (e.default_max_tokens == 0) e.default_max_tokens = m.default_max_tokens;
    m.endpoints.push_back(std::move(e));
  }
}

std::vector<ProviderConfig> read_providers(ConfigReader& r, const Node& provs) {
  std::vector<ProviderConfig> all;
  if (!provs.IsSequence()) {
    r.fail("providers", "a list of providers", provs);
    return all;
  }
  for (size_t i = 0; r.ok() && i < provs.size(); ++i) {
    ProviderConfig pc;
    std::string p = "providers[" + std::to_string(i) + "]";
    read_provider(r, provs[i], p, pc);
    for (const auto& other : all)
      if (r.ok() && other.name == pc.name) r.fail(p + ".name", "a unique provider name", provs[i]["name"]);
    all.push_back(std::move(pc));
  }
  return all;
}

void read_models(ConfigReader& r, const Node& models, const std::vector<ProviderConfig>& providers, Config& cfg) {
  if (r.ok() && !models.IsSequence()) return r.fail("models", "a list of models", models);
  for (size_t i = 0; r.ok() && i < models.size(); ++i) {
    ModelConfig m;
    std::string p = "models[" + std::to_string(i) + "]";
    read_model(r, models[i], p, m);
    for (size_t j = 0; r.ok() && j < m.endpoints.size(); ++j) {
      bool known = false;
      for (const auto& pc : providers) known |= pc.name == m.endpoints[j].provider;
      if (!known)
        r.fail(p + ".endpoints[" + std::to_string(j) + "].provider", "the name of a provider listed under providers",
               models[i]["endpoints"][j]["provider"]);
    }
    if (r.ok() && cfg.find_model(m.id)) r.fail(p + ".id", "a unique model id", models[i]["id"]);
    cfg.models.push_back(std::move(m));
  }
}

// Secrets come from the environment; a provider whose secret is missing is skipped with a
// warning, and its endpoints leave the catalog.
void resolve_secrets(std::vector<ProviderConfig> all, const LoadConfigOptions& options, Config& cfg) {
  auto getenv = options.getenv ? options.getenv : env_lookup;
  for (auto& pc : all) {
    if (!pc.api_key_env.empty()) {
      pc.api_key = getenv(pc.api_key_env);
      if (pc.api_key.empty()) {
        std::string why = "environment variable " + pc.api_key_env + " is not set";
        cfg.warnings.push_back("provider '" + pc.name + "' skipped: " + why);
        cfg.skipped_providers.emplace_back(pc.name, why);
        continue;
      }
    }
    cfg.providers.push_back(std::move(pc));
  }
  for (auto& m : cfg.models)
    std::erase_if(m.endpoints, [&](const EndpointConfig& e) { return cfg.find_provider(e.provider) == nullptr; });
}

void read_root(ConfigReader& r, const Node& root, const LoadConfigOptions& options, Config& cfg) {
  if (!root.IsMap()) return r.fail("(top level)", "a mapping with server, database, providers, models", root);
  r.check_keys(root, "", {"server", "database", "routing", "rate_limits", "metrics", "logging", "providers", "models"});
  read_metrics(r, root["metrics"], cfg.metrics, options);
  read_logging(r, root["logging"], cfg.logging);
  read_routing(r, root["routing"], cfg.routing);
  read_rate_limits(r, root["rate_limits"], cfg.rate_limits);
  if (root["server"].IsDefined()) read_server(r, root["server"], cfg.server);
  read_database(r, root["database"], cfg, options);
  std::vector<ProviderConfig> providers = read_providers(r, root["providers"]);
  read_models(r, root["models"], providers, cfg);
  if (r.ok()) resolve_secrets(std::move(providers), options, cfg);
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
  ConfigReader r(source_name);
  auto cfg = std::make_shared<Config>();
  cfg->source_path = source_name;
  Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return fail(ErrorKind::invalid_argument,
                source_name + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  try {
    read_root(r, root, options, *cfg);
  } catch (const std::exception& e) {
    r.fail_message(e.what());
  }
  if (!r.ok()) return fail(ErrorKind::invalid_argument, r.error());
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
