// Internal to db/sqlite/: how each record maps to its table's columns, shared by the
// sqlite_*.cpp files (one per part of the store).
#pragma once

#include <string>
#include <vector>

#include "db/records.h"
#include "db/sqlite/sqlite_util.h"

// Unwraps a std::expected into `var` or returns its error from the enclosing function.
#define DB_ASSIGN(var, expr) \
  auto var = (expr);         \
  if (!var) return std::unexpected(std::move(var).error())

namespace switchyard::db::sqlite {

// ---- usage
inline constexpr const char* kUsageColumns =
    "generation_id, key_hash, model, provider, upstream_model, prompt_tokens, completion_tokens,"
    " cached_tokens, cache_write_tokens, cost_pico, status, error_message, latency_ms, total_ms,"
    " generation_ms, streamed, cancelled, finish_reason, native_finish_reason, usage_estimated,"
    " http_referer, x_title, created, api, price_id, insured, waived_pico";
inline constexpr int kUsageColumnCount = 27;
UsageRecord read_usage(const Stmt& s);
void bind_usage(Stmt& s, const UsageRecord& r);  // in kUsageColumns order, from 1

// ---- keys: the row plus its usage summed from the ledger
inline constexpr const char* kKeyColumns =
    "k.key_hash, k.name, k.label, k.limit_pico, k.disabled, k.created,"
    " (SELECT COALESCE(SUM(u.cost_pico), 0) FROM usage u WHERE u.key_hash = k.key_hash),"
    " k.management, k.limit_reset, k.expires_at, k.updated, k.deleted, k.rpm, k.tpm, k.max_concurrent";
ApiKeyRow read_key(const Stmt& s);

// ---- prices and audit
inline constexpr const char* kPriceColumns =
    "id, model, provider, upstream_model, prompt_pico, completion_pico, request_pico, cache_read_pico,"
    " cache_write_pico, effective_from, created, source, set_by";
PriceRow read_price(const Stmt& s);
inline constexpr const char* kAuditColumns = "id, created, actor, action, target, details";
AuditEntry read_audit(const Stmt& s);
// Appends `entry` (nothing when null) on `db`, inside the caller's transaction.
std::expected<void, Error> write_audit(sqlite3* db, const AuditEntry* entry);

// ---- health
std::string hist_to_text(const std::vector<int64_t>& h);
std::vector<int64_t> hist_from_text(const std::string& text);
std::vector<int64_t> hist_add(std::vector<int64_t> a, const std::vector<int64_t>& b);
CircuitState read_circuit(const Stmt& s);

}  // namespace switchyard::db::sqlite
