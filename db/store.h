// The SQLite store: one connection, migrated on open, with the queries the proxy needs.
//
// Threads: a Store guards its connection with a mutex, so one Store may be shared, but its
// calls then run one at a time. WAL lets many readers run beside the one writer, so code
// that reads on a hot path should open its own Store (one per thread, or a small pool);
// ledger writes go through LedgerWriter, which owns its own Store. busy_timeout makes a
// writer wait for another's lock instead of failing at once.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "db/error.h"
#include "db/records.h"
#include "db/sqlite_util.h"

namespace switchyard::db {

struct StoreOptions {
  int busy_timeout_ms = 5000;
  bool synchronous_full = true;  // see ConnectionOptions
};

// What one insert_usage_batch did. Duplicates are generation ids already stored: kept once.
struct BatchResult {
  int64_t inserted = 0;
  int64_t duplicates = 0;
};

struct ActivityQuery {
  int64_t from_ms = 0;  // created >= from_ms
  int64_t to_ms = 0;    // created < to_ms
  std::optional<std::string> key_hash;  // only this key's rows
  int64_t limit = 0;    // 0 = no limit
};

class Store {
 public:
  // Opens or creates the file (not its parent directories) and applies missing migrations.
  // ":memory:" works (tests) but has no WAL and is private to this connection.
  static std::expected<std::unique_ptr<Store>, Error> open(const std::string& path,
                                                           const StoreOptions& opts = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // ---- keys
  // A new key; the plaintext is returned once and only its hash is stored.
  std::expected<CreatedKey, Error> create_key(const std::string& name,
                                              std::optional<int64_t> limit_pico = std::nullopt);
  // The key row with usage_pico summed from the ledger; nullopt when no such hash.
  std::expected<std::optional<ApiKeyRow>, Error> find_key(const std::string& key_hash);
  std::expected<std::vector<ApiKeyRow>, Error> list_keys();
  // false when no such key.
  std::expected<bool, Error> set_key_disabled(const std::string& key_hash, bool disabled);
  std::expected<bool, Error> set_key_limit(const std::string& key_hash, std::optional<int64_t> limit_pico);
  // key_hash -> sum of cost_pico, for loading the in-memory limit table at start.
  std::expected<std::map<std::string, int64_t>, Error> usage_totals();

  // ---- ledger
  // All records (and their attempts) in one transaction; a generation id already stored is
  // skipped (counted as duplicate), not an error. Any other failure rolls the batch back.
  std::expected<BatchResult, Error> insert_usage_batch(const std::vector<UsageRecord>& records);
  std::expected<std::optional<UsageRecord>, Error> get_generation(const std::string& generation_id);
  // Rows with from_ms <= created < to_ms, oldest first, with their attempts (CSV export).
  std::expected<std::vector<UsageRecord>, Error> activity(const ActivityQuery& q);

  // ---- health
  // Adds each bucket's counts to the stored bucket (creating it), all in one transaction.
  std::expected<void, Error> upsert_health(const std::vector<HealthBucket>& buckets);
  // Buckets with minute >= since_minute, for all endpoints, ordered by endpoint then minute.
  std::expected<std::vector<HealthBucket>, Error> health_since(int64_t since_minute);
  // Deletes buckets older than before_minute (retention); returns rows deleted.
  std::expected<int64_t, Error> prune_health(int64_t before_minute);
  std::expected<std::optional<CircuitState>, Error> get_circuit(const std::string& provider,
                                                                const std::string& upstream_model);
  std::expected<void, Error> put_circuit(const CircuitState& state);
  std::expected<std::vector<CircuitState>, Error> list_circuits();

  // The schema version this store is at (PRAGMA user_version).
  std::expected<int, Error> schema_version();
  // Takes the write lock and gives it back (readiness probe): fails on a read-only or
  // locked-out database.
  std::expected<void, Error> check_writable();
  const std::string& path() const { return path_; }

 private:
  Store(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  std::expected<BatchResult, Error> insert_usage_batch_locked(const std::vector<UsageRecord>& records);
  std::expected<std::vector<AttemptRecord>, Error> attempts_locked(const std::string& generation_id);

  std::mutex mu_;  // one call at a time on db_
  sqlite3* db_;
  std::string path_;
};

// "sk-sy-v1-abc...xyz": the first 12 and last 3 characters, to recognise a key in lists.
std::string key_label(const std::string& key);

}  // namespace switchyard::db
