#include "proxy/pipeline/key_budget.h"

#include <cstdio>

namespace switchyard::proxy {

using billing::Picodollars;

Result<BudgetHold> LocalBudget::reserve(KeyEntry& key, Picodollars worst_case, int64_t now_ms) {
  auto held = key.reserve(worst_case, now_ms);
  if (!held) return std::unexpected(held.error());
  return BudgetHold{*held, 0, false};
}

void LocalBudget::settle(KeyEntry& key, const BudgetHold& hold, Picodollars actual, int64_t now_ms) {
  key.settle(hold.amount, actual, now_ms);
}

void SharedBudget::note(bool failed, const std::string& why) {
  if (failed && !failing_.exchange(true))
    std::fprintf(stderr, "budgets: the shared store is unavailable (%s): reserving on this instance alone\n", why.c_str());
  if (!failed && failing_.exchange(false)) std::fprintf(stderr, "budgets: the shared store is back\n");
}

Result<BudgetHold> SharedBudget::reserve(KeyEntry& key, Picodollars worst_case, int64_t now_ms) {
  KeySettings s = key.settings();
  if (!s.limit_pico) return BudgetHold{};
  int64_t window = billing::period_start(s.limit_reset, now_ms);
  auto r = store_->reserve(db::BudgetReservation{key.key_hash, window, worst_case.pico(), *s.limit_pico, now_ms});
  if (!r) {
    note(true, r.error().message);
    return local_.reserve(key, worst_case, now_ms);
  }
  note(false, "");
  if (!r->reserved)
    return std::unexpected(over_budget(*s.limit_pico, r->usage_pico, r->reserved_pico, worst_case, s.limit_reset));
  return BudgetHold{worst_case, window, true};
}

void SharedBudget::settle(KeyEntry& key, const BudgetHold& hold, Picodollars actual, int64_t now_ms) {
  if (!hold.shared) return local_.settle(key, hold, actual, now_ms);
  auto r = store_->settle(key.key_hash, hold.window_start, hold.amount.pico(), actual.pico(), now_ms);
  if (!r) note(true, r.error().message);  // the hold stays until the window ends: safe, never an overspend
  key.record_spend(actual, now_ms);
}

Result<BudgetHold> reserve_budget(Budget* budget, KeyEntry& key, Picodollars worst_case, int64_t now_ms) {
  if (budget) return budget->reserve(key, worst_case, now_ms);
  return LocalBudget().reserve(key, worst_case, now_ms);
}

void settle_budget(Budget* budget, KeyEntry& key, const BudgetHold& hold, Picodollars actual, int64_t now_ms) {
  if (budget) return budget->settle(key, hold, actual, now_ms);
  LocalBudget().settle(key, hold, actual, now_ms);
}

}  // namespace switchyard::proxy
