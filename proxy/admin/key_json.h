// The key object of /api/v1/keys, in OpenRouter's shape: hash, name, label, disabled, limit,
// limit_remaining, limit_reset, usage, usage_daily, usage_weekly, usage_monthly, created_at,
// updated_at, expires_at; plus is_management_key and rate_limits {rpm, tpm, max_concurrent}.
// Money in USD as JSON numbers; times ISO 8601 UTC.
#pragma once

#include "db/records.h"
#include "db/store.h"
#include "providers/error.h"
#include "providers/json_writer.h"

namespace switchyard::proxy::admin {

// Spend of one key over the windows the object shows, read from the ledger.
struct KeyUsage {
  int64_t total = 0, daily = 0, weekly = 0, monthly = 0;
  int64_t window = 0;  // in the limit's current window
};
Result<KeyUsage> key_usage(db::KeyStore& store, const db::ApiKeyRow& row, int64_t now_ms);

void write_key(JsonWriter& w, const db::ApiKeyRow& row, const KeyUsage& usage);

}  // namespace switchyard::proxy::admin
