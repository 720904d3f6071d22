// State several instances share through the store (DESIGN.md §5), beyond the tables of
// store.h: budget reservations that must be atomic across instances, and notifications that
// carry a change made on one instance to all the others. Only a shared store (PostgreSQL)
// has them: on SQLite both factories return nullptr (no error), and the proxy reserves in
// memory and picks changes up by its 1 s poll, as one machine needs.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "db/error.h"

namespace switchyard::db {

// ---- budgets: one row per (key, window) in key_budgets (migration 8)

struct BudgetReservation {
  std::string key_hash;
  int64_t window_start = 0;  // unix ms of the limit window's start; 0 = a limit that never resets
  int64_t amount_pico = 0;   // the request's worst case
  int64_t limit_pico = 0;
  int64_t now_ms = 0;
};

struct BudgetWindow {
  bool reserved = false;  // false: it did not fit (the figures say why)
  int64_t usage_pico = 0;     // settled spend in the window, every instance's
  int64_t reserved_pico = 0;  // held by requests in flight on every instance
};

class SharedBudgets {
 public:
  virtual ~SharedBudgets() = default;
  // Holds `amount` iff usage + reserved + amount <= limit, in one conditional UPDATE: two
  // instances can never both take the last of a budget. A window seen for the first time
  // starts from the ledger's spend in it.
  virtual std::expected<BudgetWindow, Error> reserve(const BudgetReservation& r) = 0;
  // Replaces a reservation by the real cost.
  virtual std::expected<void, Error> settle(const std::string& key_hash, int64_t window_start, int64_t reserved_pico,
                                            int64_t actual_pico, int64_t now_ms) = 0;
};

// `connections`: how many requests may reserve at once (a small pool).
std::expected<std::unique_ptr<SharedBudgets>, Error> open_shared_budgets(const std::string& url, int connections = 4);

// ---- change notifications

enum class Change { keys, prices };

// Delivers each change another connection committed (a key created, changed or deleted; a
// price added) to `on_change`, on a thread of its own, within milliseconds. After a lost
// connection it reconnects and reports both kinds once, since notifications sent meanwhile
// are gone. Destroying it stops the thread.
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  virtual bool connected() const = 0;
};

std::expected<std::unique_ptr<ChangeListener>, Error> listen_for_changes(const std::string& url,
                                                                        std::function<void(Change)> on_change);

}  // namespace switchyard::db
