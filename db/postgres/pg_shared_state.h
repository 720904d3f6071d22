// The PostgreSQL side of db/shared_state.h: budgets in key_budgets, LISTEN for changes.
#pragma once

#include "db/shared_state.h"

namespace switchyard::db::postgres {

std::expected<std::unique_ptr<SharedBudgets>, Error> open_pg_budgets(const std::string& url, int connections);
std::expected<std::unique_ptr<ChangeListener>, Error> open_pg_listener(const std::string& url,
                                                                      std::function<void(Change)> on_change);

}  // namespace switchyard::db::postgres
