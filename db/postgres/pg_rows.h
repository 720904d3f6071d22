// Internal to db/postgres/: reading records out of results. The column lists are SQLite's
// (db/sqlite/sqlite_rows.h): both dialects name the columns the same, in one place.
#pragma once

#include <string>

#include "db/postgres/pg_util.h"
#include "db/records.h"
#include "db/sqlite/sqlite_rows.h"

namespace switchyard::db::postgres {

using sqlite::kAuditColumns;
using sqlite::kKeyColumns;
using sqlite::kPriceColumns;
using sqlite::kUsageColumnCount;
using sqlite::kUsageColumns;

// "$first, $first+1, ..., $first+n-1"
std::string numbered(int first, int n);

UsageRecord read_usage(const PgResult& r, int row, int first_col = 0);
void add_usage(Params& p, const UsageRecord& r);  // in kUsageColumns order
AttemptRecord read_attempt(const PgResult& r, int row, int first_col);
ApiKeyRow read_key(const PgResult& r, int row);
PriceRow read_price(const PgResult& r, int row);
AuditEntry read_audit(const PgResult& r, int row);
CircuitState read_circuit(const PgResult& r, int row);

}  // namespace switchyard::db::postgres
