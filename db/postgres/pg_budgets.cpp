// Shared budgets on PostgreSQL (db/shared_state.h). The reservation is one conditional
// UPDATE ... RETURNING: the row lock serializes instances on the same key, and the WHERE
// clause refuses what would not fit, so no interleaving can overspend. A small pool of
// connections lets requests on different keys reserve at once.
#include <condition_variable>
#include <mutex>
#include <vector>

#include "db/postgres/pg_shared_state.h"
#include "db/postgres/pg_util.h"

namespace switchyard::db::postgres {

namespace {

class ConnPool {
 public:
  explicit ConnPool(std::vector<PgConn> conns) : conns_(std::move(conns)) {
    for (size_t i = 0; i < conns_.size(); ++i) free_.push_back(i);
  }
  // Runs `fn` on a free connection (waiting for one).
  template <class F>
  auto with(F fn) {
    size_t i;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !free_.empty(); });
      i = free_.back();
      free_.pop_back();
    }
    struct Back {
      ConnPool* p;
      size_t i;
      ~Back() {
        {
          std::lock_guard lock(p->mu_);
          p->free_.push_back(i);
        }
        p->cv_.notify_one();
      }
    } back{this, i};
    return fn(conns_[i]);
  }

 private:
  std::vector<PgConn> conns_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<size_t> free_;
};

constexpr const char* kReserve =
    "UPDATE key_budgets SET reserved_pico = reserved_pico + $3, updated = $5"
    " WHERE key_hash = $1 AND window_start = $2 AND usage_pico + reserved_pico + $3 <= $4"
    " RETURNING usage_pico, reserved_pico";
// A window's first row starts from what the ledger already holds for it.
constexpr const char* kOpenWindow =
    "INSERT INTO key_budgets (key_hash, window_start, usage_pico, reserved_pico, updated)"
    " SELECT $1, $2, COALESCE(SUM(cost_pico), 0), 0, $3 FROM usage WHERE key_hash = $1 AND created >= $2"
    " ON CONFLICT (key_hash, window_start) DO NOTHING";

class PgBudgets final : public SharedBudgets {
 public:
  explicit PgBudgets(std::vector<PgConn> conns) : pool_(std::move(conns)) {}

  std::expected<BudgetWindow, Error> reserve(const BudgetReservation& r) override {
    return pool_.with([&](PgConn& c) -> std::expected<BudgetWindow, Error> {
      Params p;
      p.add(r.key_hash).add(r.window_start).add(r.amount_pico).add(r.limit_pico).add(r.now_ms);
      DB_ASSIGN(held, c.exec(kReserve, p));
      if (held->rows() == 1) return BudgetWindow{true, held->i64(0, 0), held->i64(0, 1)};
      // No row yet, or it does not fit: open the window (a no-op when it exists) and retry once.
      DB_TRY(c.exec(kOpenWindow, Params().add(r.key_hash).add(r.window_start).add(r.now_ms)));
      DB_ASSIGN(again, c.exec(kReserve, p));
      if (again->rows() == 1) return BudgetWindow{true, again->i64(0, 0), again->i64(0, 1)};
      DB_ASSIGN(now, c.exec("SELECT usage_pico, reserved_pico FROM key_budgets WHERE key_hash = $1 AND window_start = $2",
                            Params().add(r.key_hash).add(r.window_start)));
      if (now->rows() == 0) return BudgetWindow{false, 0, 0};
      return BudgetWindow{false, now->i64(0, 0), now->i64(0, 1)};
    });
  }

  std::expected<void, Error> settle(const std::string& key_hash, int64_t window_start, int64_t reserved_pico,
                                    int64_t actual_pico, int64_t now_ms) override {
    return pool_.with([&](PgConn& c) -> std::expected<void, Error> {
      DB_TRY(c.exec("UPDATE key_budgets SET reserved_pico = GREATEST(reserved_pico - $3, 0),"
                    " usage_pico = usage_pico + $4, updated = $5 WHERE key_hash = $1 AND window_start = $2",
                    Params().add(key_hash).add(window_start).add(reserved_pico).add(actual_pico).add(now_ms)));
      return {};
    });
  }

 private:
  ConnPool pool_;
};

}  // namespace

std::expected<std::unique_ptr<SharedBudgets>, Error> open_pg_budgets(const std::string& url, int connections) {
  std::vector<PgConn> conns;
  for (int i = 0; i < std::max(1, connections); ++i) {
    DB_ASSIGN(c, PgConn::connect(url));
    conns.push_back(std::move(*c));
  }
  return std::unique_ptr<SharedBudgets>(new PgBudgets(std::move(conns)));
}

}  // namespace switchyard::db::postgres
