// The factories of db/shared_state.h: the one place that knows which stores share state.
#include "db/shared_state.h"

#include "db/postgres/pg_shared_state.h"
#include "db/store.h"

namespace switchyard::db {

std::expected<std::unique_ptr<SharedBudgets>, Error> open_shared_budgets(const std::string& url, int connections) {
  if (!is_postgres_url(url)) return std::unique_ptr<SharedBudgets>();
  return postgres::open_pg_budgets(url, connections);
}

std::expected<std::unique_ptr<ChangeListener>, Error> listen_for_changes(const std::string& url,
                                                                        std::function<void(Change)> on_change) {
  if (!is_postgres_url(url)) return std::unique_ptr<ChangeListener>();
  return postgres::open_pg_listener(url, std::move(on_change));
}

}  // namespace switchyard::db
