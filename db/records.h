// Plain rows the store reads and writes. Money is integer picodollars (1e-12 USD);
// times are unix milliseconds unless a name says otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace switchyard::db {

// Unix time in milliseconds (the unit of every `created` column).
inline int64_t now_unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// One endpoint of the catalog: a public model served by a provider's upstream model. Health
// buckets, circuits and prices are kept per endpoint.
struct EndpointKey {
  std::string model;  // public model id
  std::string provider;
  std::string upstream_model;
  auto operator<=>(const EndpointKey&) const = default;
};

// One upstream try of a request (routing: ordered attempts until one yields a first event).
struct AttemptRecord {
  int attempt = 0;  // 0-based order tried
  std::string provider;
  std::string upstream_model;
  int status = 0;              // HTTP status it produced (200 for the one that answered)
  std::string error_kind;      // error_kind_name() of the failure, "" on success
  std::string error_message;
  std::optional<int64_t> latency_ms;  // to first event; nullopt when none came
  int64_t created = 0;

  bool operator==(const AttemptRecord&) const = default;
};

// One request, as the ledger stores it (table `usage`, one row per generation id).
struct UsageRecord {
  std::string generation_id;  // "gen-..."; unique
  std::string key_hash;       // SHA-256 hex of the API key; never the key
  std::string model;          // public model id the client asked for
  std::string provider;
  std::string upstream_model;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t cache_write_tokens = 0;
  int64_t cost_pico = 0;
  int status = 0;  // HTTP status of the response
  std::string error_message;
  std::optional<int64_t> latency_ms;  // to first byte; nullopt when no byte was sent
  int64_t total_ms = 0;
  int64_t generation_ms = 0;
  bool streamed = false;
  bool cancelled = false;
  std::string finish_reason;
  std::string native_finish_reason;
  bool usage_estimated = false;  // tokens counted locally because upstream sent no usage
  std::string http_referer;
  std::string x_title;
  std::string api;      // the API surface it came through: chat | completions | messages | responses
  std::optional<int64_t> price_id;  // the prices row it was billed at; nullopt when none applied
  bool insured = false;             // zero-completion insurance: billed $0 ...
  int64_t waived_pico = 0;          // ... instead of this
  int64_t created = 0;  // 0 when pushed: the ledger writer stamps the time it was pushed
  std::vector<AttemptRecord> attempts;

  bool operator==(const UsageRecord&) const = default;
};

struct ApiKeyRow {
  std::string key_hash;
  std::string name;
  std::string label;  // "sk-sy-v1-abc...xyz": enough to recognise a key, never the key
  std::optional<int64_t> limit_pico;  // nullopt = unlimited
  bool disabled = false;
  int64_t created = 0;
  int64_t usage_pico = 0;  // sum of cost_pico over the key's usage rows
  bool management = false;            // may call the admin API, and nothing else
  std::string limit_reset;            // "" (never), daily, weekly, monthly: the limit's window (UTC)
  std::optional<int64_t> expires_at;  // unix ms; nullopt = never
  int64_t updated = 0;                // unix ms of the last change
  bool deleted = false;               // deleted keys stay as rows (their usage does), never authenticate
  // Rate limits; nullopt = the config's default, 0 = none for this key.
  std::optional<int64_t> rpm, tpm, max_concurrent;

  bool operator==(const ApiKeyRow&) const = default;
};

// A key to create.
struct NewKey {
  std::string name;
  std::optional<int64_t> limit_pico;
  std::string limit_reset;
  std::optional<int64_t> expires_at;
  bool management = false;
  std::optional<int64_t> rpm, tpm, max_concurrent;
};

// A change to a key: each set field replaces the stored one (an inner nullopt clears it).
struct KeyPatch {
  std::optional<std::string> name;
  std::optional<bool> disabled;
  std::optional<std::optional<int64_t>> limit_pico;
  std::optional<std::string> limit_reset;
  std::optional<std::optional<int64_t>> expires_at;
  std::optional<std::optional<int64_t>> rpm, tpm, max_concurrent;
  bool empty() const {
    return !name && !disabled && !limit_pico && !limit_reset && !expires_at && !rpm && !tpm && !max_concurrent;
  }
};

struct KeyListQuery {
  bool include_disabled = true;
  bool include_deleted = false;
  int64_t offset = 0;
  int64_t limit = 0;  // 0 = all
};

// One admin change, written in the same transaction as the change itself.
struct AuditEntry {
  int64_t id = 0;        // assigned by the store
  int64_t created = 0;   // unix ms; 0 = now
  std::string actor;     // who: a management key's label, or "cli"
  std::string action;    // key.create | key.update | key.delete | price.set
  std::string target;    // a key hash, or "model|provider|upstream_model"
  std::string details_json = "{}";  // the change itself
  bool operator==(const AuditEntry&) const = default;
};

struct AuditQuery {
  int64_t offset = 0;
  int64_t limit = 100;
};

// One price of one endpoint from effective_from on (DESIGN.md §5: picodollars per token).
struct PriceRow {
  int64_t id = 0;  // assigned by the store
  std::string model, provider, upstream_model;
  int64_t prompt_pico = 0, completion_pico = 0, request_pico = 0;
  std::optional<int64_t> cache_read_pico, cache_write_pico;  // nullopt = the prompt price
  int64_t effective_from = 0;  // unix ms
  int64_t created = 0;         // unix ms; 0 = now
  std::string source;          // config | api
  std::string set_by;          // the management key's label, for api prices
  bool operator==(const PriceRow&) const = default;
};

// Returned once by Store::create_key: the only time the plaintext key exists.
struct CreatedKey {
  std::string key;
  ApiKeyRow row;
};

// One endpoint's counts for one minute. upsert adds these to what is stored, so the
// health tracker may flush partial minutes as often as it likes.
struct HealthBucket {
  std::string provider;
  std::string model;  // public model id
  std::string upstream_model;
  int64_t minute = 0;  // unix ms / 60000
  int64_t requests = 0;
  int64_t failures = 0;
  int64_t ttft_ms_sum = 0;
  int64_t ttft_count = 0;
  int64_t tokens = 0;  // completion tokens
  int64_t gen_ms = 0;  // time spent generating those tokens
  // Latency histogram counts; bucket i's upper edge is kLatencyEdgesMs[i] (last = overflow).
  // Merged element-wise on upsert; empty means no latencies recorded.
  std::vector<int64_t> latency_hist;

  bool operator==(const HealthBucket&) const = default;
};

// Upper edges (ms) of HealthBucket::latency_hist buckets; one more bucket holds the rest.
inline constexpr int64_t kLatencyEdgesMs[] = {100, 250, 500, 1000, 2500, 5000, 10000};
inline constexpr size_t kLatencyBuckets = std::size(kLatencyEdgesMs) + 1;

struct CircuitState {
  std::string provider;
  std::string upstream_model;
  int64_t consecutive_failures = 0;
  int64_t open_until_ms = 0;  // 0 or past = closed
  int64_t updated = 0;

  bool operator==(const CircuitState&) const = default;
};

}  // namespace switchyard::db
