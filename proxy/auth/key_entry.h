// One API key's live state (DESIGN.md §1: auth is a hash lookup, limits are checked against
// in-memory totals kept in step with the ledger): its settings, replaced whole when the key
// changes, and its budget.
//
// Budgets hold under concurrency: before a request goes upstream it reserves its worst-case
// cost; the request fits only if the window's spend plus every reservation in flight plus
// its own stays within the limit. When it ends the reservation is replaced by the real cost
// (settle). So with bounded max_tokens the real costs never sum past the limit, however many
// requests race. Windows are UTC days, Monday weeks or months (billing/periods.h); a new
// window starts from zero (usage rows are never deleted).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "db/records.h"
#include "providers/error.h"
#include "proxy/billing/money.h"
#include "proxy/billing/periods.h"

namespace switchyard::proxy {

struct KeySettings {
  std::string name;
  std::string label;  // "sk-sy-v1-abc...xyz"
  bool management = false;
  bool disabled = false;
  bool deleted = false;
  std::optional<int64_t> limit_pico;  // nullopt = unlimited
  billing::LimitReset limit_reset = billing::LimitReset::never;
  std::optional<int64_t> expires_at;  // unix ms
  std::optional<int64_t> rpm, tpm, max_concurrent;  // nullopt = the config's default; 0 = none
};
KeySettings settings_from(const db::ApiKeyRow& row);

struct BudgetView {
  int64_t usage_total = 0;   // all time, rows not yet written included
  int64_t window_start = 0;  // unix ms; 0 when the limit never resets
  int64_t window_usage = 0;  // spend in the current window
  int64_t reserved = 0;      // worst cases of the requests in flight
};

// The 402 a reservation that does not fit gets, whichever budget refused it.
Error over_budget(int64_t limit, int64_t usage, int64_t reserved, billing::Picodollars worst_case,
                  billing::LimitReset reset);

class KeyEntry {
 public:
  // `window_usage`: the key's spend since period_start(settings.limit_reset, now_ms).
  KeyEntry(std::string key_hash, KeySettings settings, int64_t usage_total, int64_t window_usage, int64_t now_ms);

  const std::string key_hash;

  KeySettings settings() const;
  // New settings; when the reset period changed, `window_usage` is the spend in the new one.
  void update(KeySettings settings, std::optional<int64_t> window_usage, int64_t now_ms);
  BudgetView budget(int64_t now_ms) const;
  // What is left in the current window (nullopt: no limit).
  std::optional<int64_t> remaining(int64_t now_ms) const;

  // Reserves `worst_case` (402 when it does not fit) and returns the amount reserved.
  Result<billing::Picodollars> reserve(billing::Picodollars worst_case, int64_t now_ms);
  // Replaces a reservation by the request's real cost.
  void settle(billing::Picodollars reserved, billing::Picodollars actual, int64_t now_ms);
  // Adds a cost whose reservation was held elsewhere (the shared budget): the totals this
  // instance shows stay in step.
  void record_spend(billing::Picodollars actual, int64_t now_ms);

 private:
  void roll_window(int64_t now_ms) const;  // with mu_ held

  mutable std::mutex mu_;
  KeySettings settings_;
  int64_t usage_total_ = 0;
  // Which window is current is a function of the time: rolling it is not a change.
  mutable int64_t window_start_ = 0;
  mutable int64_t window_usage_ = 0;
  int64_t reserved_ = 0;
};

}  // namespace switchyard::proxy
