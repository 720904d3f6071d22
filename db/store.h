// The store interfaces (DESIGN.md §2, §5): what the proxy keeps durably, independent of the
// engine behind it. `open_store(url)` picks the implementation: "sqlite:PATH" or a bare
// path (db/sqlite/, the embedded default), or "postgres://..." (db/postgres/, shared by
// several instances). Nothing
// outside db/ includes an engine's header or knows which one is in use.
//
// Threads: one Store is one connection. Its calls are safe from several threads but run
// one at a time, so code that reads on a hot path opens a Store of its own; ledger writes go
// through LedgerWriter, which owns its own Store. Nothing here throws: every call returns
// std::expected<..., db::Error>.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/error.h"
#include "db/records.h"
#include "db/rollups.h"

namespace switchyard::db {

// What one insert_usage_batch did. Duplicates are generation ids already stored: kept once.
struct BatchResult {
  int64_t inserted = 0;
  int64_t duplicates = 0;
};

// A raw row with its store id (the export cursor).
struct UsageRow {
  int64_t id = 0;
  UsageRecord record;
};

// Raw rows with from_ms <= created < to_ms whose fields match `where` (status: a class
// such as 4xx, or an exact code such as 429).
struct ExportQuery {
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  std::map<GroupField, std::string> where;
  bool newest_first = false;  // pages walk down from the cursor (id < cursor; 0 = from the newest)
};

struct ActivityQuery {
  int64_t from_ms = 0;  // created >= from_ms
  int64_t to_ms = 0;    // created < to_ms
  std::optional<std::string> key_hash;  // only this key's rows
  int64_t limit = 0;    // 0 = no limit
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  // A new key; the plaintext is returned once and only its hash is stored. `audit`, when
  // given, is written in the same transaction.
  virtual std::expected<CreatedKey, Error> create_key(const NewKey& key, const AuditEntry* audit = nullptr) = 0;
  std::expected<CreatedKey, Error> create_key(const std::string& name, std::optional<int64_t> limit_pico = std::nullopt) {
    return create_key(NewKey{name, limit_pico, "", std::nullopt, false, {}, {}, {}});
  }
  // The key row (deleted ones too, flagged) with usage_pico summed from the ledger.
  virtual std::expected<std::optional<ApiKeyRow>, Error> find_key(const std::string& key_hash) = 0;
  // Oldest first.
  virtual std::expected<std::vector<ApiKeyRow>, Error> list_keys(const KeyListQuery& q = {}) = 0;
  // Applies the patch and returns the updated row; nullopt when no such (undeleted) key.
  virtual std::expected<std::optional<ApiKeyRow>, Error> update_key(const std::string& key_hash, const KeyPatch& patch,
                                                                    const AuditEntry* audit = nullptr) = 0;
  // false when no such (undeleted) key.
  virtual std::expected<bool, Error> delete_key(const std::string& key_hash, const AuditEntry* audit = nullptr) = 0;
  // Rows changed (created, updated, deleted) at or after `since_ms`: how a running server
  // picks up changes made by the CLI or another instance.
  virtual std::expected<std::vector<ApiKeyRow>, Error> keys_changed_since(int64_t since_ms) = 0;
  // key_hash -> sum of cost_pico over rows created at or after `since_ms` (0: all time).
  virtual std::expected<std::map<std::string, int64_t>, Error> usage_totals(int64_t since_ms = 0) = 0;
  // One key's spend since `since_ms`.
  virtual std::expected<int64_t, Error> key_usage_since(const std::string& key_hash, int64_t since_ms) = 0;

  std::expected<bool, Error> set_key_disabled(const std::string& key_hash, bool disabled) {
    KeyPatch p;
    p.disabled = disabled;
    auto r = update_key(key_hash, p);
    if (!r) return std::unexpected(r.error());
    return r->has_value();
  }
  std::expected<bool, Error> set_key_limit(const std::string& key_hash, std::optional<int64_t> limit_pico) {
    KeyPatch p;
    p.limit_pico = limit_pico;
    auto r = update_key(key_hash, p);
    if (!r) return std::unexpected(r.error());
    return r->has_value();
  }
};

// Prices with their history: rows are only ever added; the one in force for an endpoint at
// time t is the one with the latest effective_from <= t (the highest id among equals).
class PricingStore {
 public:
  virtual ~PricingStore() = default;
  // Returns the row with its id (and created stamped).
  virtual std::expected<PriceRow, Error> add_price(const PriceRow& price, const AuditEntry* audit = nullptr) = 0;
  // Rows with id > after_id, by id (0: all of them).
  virtual std::expected<std::vector<PriceRow>, Error> prices_after(int64_t after_id = 0) = 0;
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;
  virtual std::expected<AuditEntry, Error> append_audit(const AuditEntry& entry) = 0;
  // Newest first.
  virtual std::expected<std::vector<AuditEntry>, Error> list_audit(const AuditQuery& q = {}) = 0;
};

class UsageStore {
 public:
  virtual ~UsageStore() = default;
  // All records (and their attempts) in one transaction; a generation id already stored is
  // skipped (counted as duplicate), not an error. Any other failure rolls the batch back.
  virtual std::expected<BatchResult, Error> insert_usage_batch(const std::vector<UsageRecord>& records) = 0;
  virtual std::expected<std::optional<UsageRecord>, Error> get_generation(const std::string& generation_id) = 0;
  // Rows with from_ms <= created < to_ms, oldest first, with their attempts.
  virtual std::expected<std::vector<UsageRecord>, Error> activity(const ActivityQuery& q) = 0;
  // Sums over the hourly rollups, per period and group, oldest period first (groups in order).
  virtual std::expected<std::vector<UsageBucket>, Error> usage_rollups(const UsageQuery& q) = 0;
  // One cursor page of raw rows (with attempts): rows after the cursor matching `q`, by id
  // (id > cursor, or id < cursor when newest_first), at most `limit`. Exports stream them
  // page by page in flat memory.
  virtual std::expected<std::vector<UsageRow>, Error> usage_page(const ExportQuery& q, int64_t after_id,
                                                                 int64_t limit) = 0;
  // Retention: deletes raw rows (and their attempts) created before `before_ms`; the rollups
  // keep their sums. Returns the rows deleted.
  virtual std::expected<int64_t, Error> prune_usage(int64_t before_ms) = 0;
};

class HealthStore {
 public:
  virtual ~HealthStore() = default;
  // Adds each bucket's counts to the stored bucket (creating it), all in one transaction.
  virtual std::expected<void, Error> upsert_health(const std::vector<HealthBucket>& buckets) = 0;
  // Buckets with minute >= since_minute, for all endpoints, ordered by endpoint then minute.
  virtual std::expected<std::vector<HealthBucket>, Error> health_since(int64_t since_minute) = 0;
  // Deletes buckets older than before_minute (retention); returns rows deleted.
  virtual std::expected<int64_t, Error> prune_health(int64_t before_minute) = 0;
  virtual std::expected<std::optional<CircuitState>, Error> get_circuit(const std::string& provider,
                                                                        const std::string& upstream_model) = 0;
  virtual std::expected<void, Error> put_circuit(const CircuitState& state) = 0;
  virtual std::expected<std::vector<CircuitState>, Error> list_circuits() = 0;
};

// One connection to the store, with every part of it.
class Store : public KeyStore, public UsageStore, public HealthStore, public PricingStore, public AuditStore {
 public:
  // The schema version this store is at (the last migration applied).
  virtual std::expected<int, Error> schema_version() = 0;
  // Takes the write lock and gives it back (readiness probe): fails on a read-only or
  // locked-out database.
  virtual std::expected<void, Error> check_writable() = 0;
  // Where it is, for messages: the path or the URL without its password.
  virtual std::string describe() const = 0;
};

struct StoreOptions {
  int busy_timeout_ms = 5000;    // SQLite: wait this long for another writer's lock
  bool synchronous_full = true;  // SQLite: a committed batch survives power loss, not just a crash
};

// Opens one connection and applies missing migrations. `url`: "sqlite:PATH", a bare PATH
// (SQLite; ":memory:" works for tests but is private to the connection), "sqlite::memory:",
// or "postgres://user[:password]@host:port/db" (libpq's URI; "postgresql://" too). The parent
// directory of a SQLite file is created when missing. Errors never show a password.
std::expected<std::unique_ptr<Store>, Error> open_store(const std::string& url, const StoreOptions& opts = {});
// The local file a store URL keeps its data in (a SQLite path), or nullopt for a database
// server or an in-memory store. For files that belong next to the database.
std::optional<std::string> store_file_of(const std::string& url);

// Whether `url` names the shared store (several instances may use it at once).
bool is_postgres_url(const std::string& url);
// The URL as logs may show it: any password replaced by ***.
std::string redact_store_url(const std::string& url);

}  // namespace switchyard::db
