// config.yaml → one immutable Config (DESIGN.md §3: built once, shared as
// shared_ptr<const ...>). Errors name the file, the key path and what was expected.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "providers/error.h"
#include "providers/provider_config.h"
#include "proxy/config/catalog.h"

namespace switchyard::proxy {

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 32;                          // HTTP worker threads kept warm (the pool grows to max_workers)
  int64_t max_workers = 4096;                // HTTP worker threads at most (one per open connection)
  int64_t reserved_workers = 32;             // of those, kept for non-completion routes (health, metrics, admin)
  int64_t accept_queue = 1024;               // connections waiting for a worker; beyond: 503 + Retry-After
  int64_t max_connections_per_ip = 256;      // open connections per client address; 0 = no cap
  int64_t header_timeout_ms = 10000;         // a request head must arrive whole within this
  bool request_decompression = false;        // accept gzip/deflate request bodies (inflated up to max_body_bytes)
  int64_t max_body_bytes = 10 * 1024 * 1024; // larger bodies get a 413
  int64_t read_timeout_ms = 30000;           // client → us
  int64_t write_timeout_ms = 600000;         // us → client (long streams)
  int64_t keep_alive_max_count = 100000;  // requests per client connection; reconnects cost a SYN
  int64_t keep_alive_timeout_ms = 5000;
  int64_t listen_backlog = 4096;  // connections the kernel queues before we accept them
  bool list_unavailable_models = false;  // GET /v1/models shows models nothing can serve (status, reason)
  std::vector<std::string> cors_origins = {"*"};  // origins browser apps may call from; [] = no CORS
};

// Health and failover (routing issue): circuit per endpoint, health flush to SQLite.
struct RoutingConfig {
  int circuit_failure_threshold = 3;      // consecutive failures that open an endpoint's circuit
  int64_t circuit_cooldown_ms = 30000;    // then one probe request after this long
  int64_t health_flush_interval_ms = 10000;
  int64_t health_retention_days = 30;
};

// Per-key rate limits for keys that set none of their own (0 = no limit).
struct RateLimitDefaults {
  int64_t rpm = 0;             // requests per sliding minute
  int64_t tpm = 0;             // prompt + completion tokens per sliding minute
  int64_t max_concurrent = 0;  // requests in flight at once
  // Shared by every instance when set (redis://host:port); else each instance limits alone.
  std::string redis_url;
  bool redis_fail_open = true;  // redis_failure: open (admit, limiting locally) | closed (503)
};

struct MetricsConfig {
  std::string token;    // when set, GET /metrics needs "Authorization: Bearer <token>"
  bool per_key = false;  // label requests and cost with the key's name
};

// The access log: one line per request on stderr (what the proxy did, never a secret).
struct LoggingConfig {
  bool access_log = true;  // --quiet turns it off too
  bool json = false;       // format: json (one JSON object a line) or text (compact key=value)
};

struct Config {
  std::string source_path;  // the file this came from
  ServerConfig server;
  int64_t usage_retention_days = 0;  // raw usage rows kept this long; 0 = forever (rollups always stay)
  std::string database_url = "data/switchyard.db";  // a store URL (db::open_store); a bare path is SQLite
  // Ledger rows held in memory while the database is away, then spilled to spill_path
  // ("" = data/ledger-spill-<port>.log next to nothing shared: one file per instance).
  int64_t database_max_queued_rows = 100000;
  std::string database_spill_path;
  RoutingConfig routing;
  RateLimitDefaults rate_limits;
  MetricsConfig metrics;
  LoggingConfig logging;
  // Providers whose secret is set (or that need none). Skipped ones are listed in
  // `skipped_providers` with the reason, and their endpoints removed from models.
  std::vector<ProviderConfig> providers;
  std::vector<std::pair<std::string, std::string>> skipped_providers;  // name, reason
  std::vector<ModelConfig> models;
  std::vector<std::string> warnings;  // printed at start-up

  const ProviderConfig* find_provider(const std::string& name) const;
  const ModelConfig* find_model(const std::string& id) const;
};

struct LoadConfigOptions {
  // Reads secrets from the environment; tests pass their own lookup.
  std::string (*getenv)(const std::string& name) = nullptr;
};

Result<std::shared_ptr<const Config>> load_config(const std::string& path, const LoadConfigOptions& options = {});
Result<std::shared_ptr<const Config>> parse_config(const std::string& yaml_text, const std::string& source_name,
                                                   const LoadConfigOptions& options = {});


}  // namespace switchyard::proxy
