// Internal to db/: how the rollups and the raw rows are named in SQL, the same in both
// dialects (the tables of migration 7).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/rollups.h"

namespace switchyard::db {

// The additive columns of usage_rollups, in the order counts_fields() walks a RollupCounts.
const std::vector<std::string>& rollup_count_columns();
std::vector<int64_t*> rollup_counts_fields(RollupCounts& c);
// The column a field reads in the rollups, and the expression it reads in the raw rows.
const char* rollup_column(GroupField f);
const char* raw_column(GroupField f);
int64_t floor_div(int64_t a, int64_t b);
int64_t ceil_div(int64_t a, int64_t b);

}  // namespace switchyard::db
