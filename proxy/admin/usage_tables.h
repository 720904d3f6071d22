// The columns of the usage and generation exports, shared by the API and the CLI.
#pragma once

#include <string>
#include <vector>

#include "db/rollups.h"
#include "db/store.h"
#include "proxy/admin/table_writer.h"

namespace switchyard::proxy::admin {

std::vector<std::string> usage_columns(const std::vector<db::GroupField>& group_by);
std::vector<Cell> usage_cells(const db::UsageBucket& b, const std::vector<db::GroupField>& group_by);

std::vector<std::string> generation_columns();
std::vector<Cell> generation_cells(const db::UsageRow& row);

}  // namespace switchyard::proxy::admin
