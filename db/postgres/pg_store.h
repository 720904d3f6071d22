// The PostgreSQL store: the shared one for several instances (DESIGN.md §5). One connection,
// migrated on open, reconnected after the server comes back. Reached through
// db::open_store("postgres://..."); nothing outside db/ names this class.
#pragma once

#include <mutex>
#include <string>

#include "db/postgres/pg_util.h"
#include "db/store.h"

namespace switchyard::db::postgres {

class PgStore final : public Store {
 public:
  static std::expected<std::unique_ptr<PgStore>, Error> open(const std::string& url);
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  using KeyStore::create_key;
  std::expected<CreatedKey, Error> create_key(const NewKey& key, const AuditEntry* audit) override;
  std::expected<std::optional<ApiKeyRow>, Error> find_key(const std::string& key_hash) override;
  std::expected<std::vector<ApiKeyRow>, Error> list_keys(const KeyListQuery& q) override;
  std::expected<std::optional<ApiKeyRow>, Error> update_key(const std::string& key_hash, const KeyPatch& patch,
                                                            const AuditEntry* audit) override;
  std::expected<bool, Error> delete_key(const std::string& key_hash, const AuditEntry* audit) override;
  std::expected<std::vector<ApiKeyRow>, Error> keys_changed_since(int64_t since_ms) override;
  std::expected<std::map<std::string, int64_t>, Error> usage_totals(int64_t since_ms) override;
  std::expected<int64_t, Error> key_usage_since(const std::string& key_hash, int64_t since_ms) override;

  std::expected<PriceRow, Error> add_price(const PriceRow& price, const AuditEntry* audit) override;
  std::expected<std::vector<PriceRow>, Error> prices_after(int64_t after_id) override;
  std::expected<AuditEntry, Error> append_audit(const AuditEntry& entry) override;
  std::expected<std::vector<AuditEntry>, Error> list_audit(const AuditQuery& q) override;

  std::expected<BatchResult, Error> insert_usage_batch(const std::vector<UsageRecord>& records) override;
  std::expected<std::optional<UsageRecord>, Error> get_generation(const std::string& generation_id) override;
  std::expected<std::vector<UsageRecord>, Error> activity(const ActivityQuery& q) override;
  std::expected<std::vector<UsageBucket>, Error> usage_rollups(const UsageQuery& q) override;
  std::expected<std::vector<UsageRow>, Error> usage_page(const ExportQuery& q, int64_t after_id, int64_t limit) override;
  std::expected<int64_t, Error> prune_usage(int64_t before_ms) override;

  std::expected<void, Error> upsert_health(const std::vector<HealthBucket>& buckets) override;
  std::expected<std::vector<HealthBucket>, Error> health_since(int64_t since_minute) override;
  std::expected<int64_t, Error> prune_health(int64_t before_minute) override;
  std::expected<std::optional<CircuitState>, Error> get_circuit(const std::string& provider,
                                                                const std::string& upstream_model) override;
  std::expected<void, Error> put_circuit(const CircuitState& state) override;
  std::expected<std::vector<CircuitState>, Error> list_circuits() override;

  std::expected<int, Error> schema_version() override;
  std::expected<void, Error> check_writable() override;
  std::string describe() const override { return redact_url(conn_.url()); }

 private:
  explicit PgStore(PgConn conn) : conn_(std::move(conn)) {}
  std::expected<BatchResult, Error> insert_usage_locked(const std::vector<UsageRecord>& records);
  std::expected<void, Error> insert_attempts_locked(const std::vector<const UsageRecord*>& inserted);
  std::expected<void, Error> upsert_rollups_locked(const std::vector<const UsageRecord*>& inserted);
  std::expected<void, Error> attach_attempts_locked(std::vector<UsageRecord*>& rows);
  std::expected<std::optional<ApiKeyRow>, Error> find_key_locked(const std::string& key_hash);
  std::expected<void, Error> write_audit_locked(const AuditEntry* entry);

  std::mutex mu_;  // one call at a time on conn_
  PgConn conn_;
};

}  // namespace switchyard::db::postgres
