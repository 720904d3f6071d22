// Where a request's budget reservation is held (operator API: reserve the worst case before
// going upstream, settle at the real cost). LocalBudget holds it in this instance's key table,
// which is exact for one instance. SharedBudget holds it in the shared store's key_budgets
// row (db/shared_state.h), one conditional UPDATE per reservation, so several instances on
// one key never overspend between them; while the store is unreachable it falls back to the
// local hold (with a log line) so requests keep being served.
#pragma once

#include <atomic>
#include <memory>

#include "db/shared_state.h"
#include "proxy/auth/key_entry.h"

namespace switchyard::proxy {

struct BudgetHold {
  billing::Picodollars amount = billing::kZeroCost;
  int64_t window_start = 0;  // the window it was held in (shared holds)
  bool shared = false;       // held in the shared store, not in the key entry
};

class Budget {
 public:
  virtual ~Budget() = default;
  // 402 when the worst case does not fit in the key's limit.
  virtual Result<BudgetHold> reserve(KeyEntry& key, billing::Picodollars worst_case, int64_t now_ms) = 0;
  virtual void settle(KeyEntry& key, const BudgetHold& hold, billing::Picodollars actual, int64_t now_ms) = 0;
};

class LocalBudget final : public Budget {
 public:
  Result<BudgetHold> reserve(KeyEntry& key, billing::Picodollars worst_case, int64_t now_ms) override;
  void settle(KeyEntry& key, const BudgetHold& hold, billing::Picodollars actual, int64_t now_ms) override;
};

class SharedBudget final : public Budget {
 public:
  explicit SharedBudget(std::unique_ptr<db::SharedBudgets> store) : store_(std::move(store)) {}
  Result<BudgetHold> reserve(KeyEntry& key, billing::Picodollars worst_case, int64_t now_ms) override;
  void settle(KeyEntry& key, const BudgetHold& hold, billing::Picodollars actual, int64_t now_ms) override;

 private:
  void note(bool failed, const std::string& why);
  std::unique_ptr<db::SharedBudgets> store_;
  LocalBudget local_;
  std::atomic<bool> failing_{false};
};

// `budget` may be null: the local one.
Result<BudgetHold> reserve_budget(Budget* budget, KeyEntry& key, billing::Picodollars worst_case, int64_t now_ms);
void settle_budget(Budget* budget, KeyEntry& key, const BudgetHold& hold, billing::Picodollars actual, int64_t now_ms);

}  // namespace switchyard::proxy
