// Change notifications on PostgreSQL (db/shared_state.h): LISTEN on the channels the
// triggers of migration 8 notify (switchyard_keys, switchyard_prices), waiting on the
// connection's socket so a change arrives as soon as its transaction commits.
#include <poll.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "db/postgres/pg_shared_state.h"
#include "db/postgres/pg_util.h"

namespace switchyard::db::postgres {

namespace {

class PgListener final : public ChangeListener {
 public:
  PgListener(std::string url, std::function<void(Change)> on_change)
      : url_(std::move(url)), on_change_(std::move(on_change)) {}
  ~PgListener() override {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    if (conn_) PQfinish(conn_);
  }
  bool connected() const override { return connected_; }

  std::expected<void, Error> start() {
    DB_TRY(connect());
    thread_ = std::thread([this] { run(); });
    return {};
  }

 private:
  std::expected<void, Error> connect() {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    DB_ASSIGN(c, open_connection(url_));
    conn_ = *c;
    PGresult* r = PQexec(conn_, "LISTEN switchyard_keys; LISTEN switchyard_prices");
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) return std::unexpected(Error{"postgres: LISTEN failed: " + std::string(PQerrorMessage(conn_)),
                                          ErrorCode::unavailable});
    connected_ = true;
    return {};
  }

  // Waits up to 200 ms for the socket (so stopping is prompt), then takes what arrived.
  bool wait_and_drain() {
    pollfd p{PQsocket(conn_), POLLIN, 0};
    if (p.fd < 0) return false;
    int n = ::poll(&p, 1, 200);
    if (n < 0 && errno != EINTR) return false;
    if (n <= 0) return true;
    if (!PQconsumeInput(conn_)) return false;
    bool keys = false, prices = false;
    while (PGnotify* note = PQnotifies(conn_)) {
      keys |= std::strcmp(note->relname, "switchyard_keys") == 0;
      prices |= std::strcmp(note->relname, "switchyard_prices") == 0;
      PQfreemem(note);
    }
    // One reload per burst: a batch of changes costs one read, not one per row.
    if (keys) on_change_(Change::keys);
    if (prices) on_change_(Change::prices);
    return PQstatus(conn_) == CONNECTION_OK;
  }

  void run() {
    while (!stopping_) {
      if (wait_and_drain()) continue;
      connected_ = false;
      std::fprintf(stderr, "store: change notifications lost (%s); reconnecting\n", redact_url(url_).c_str());
      while (!stopping_ && !connect()) {
        for (int i = 0; i < 10 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (stopping_) return;
      on_change_(Change::keys);  // whatever changed while away
      on_change_(Change::prices);
    }
  }

  std::string url_;
  std::function<void(Change)> on_change_;
  PGconn* conn_ = nullptr;
  std::atomic<bool> stopping_{false}, connected_{false};
  std::thread thread_;
};

}  // namespace

std::expected<std::unique_ptr<ChangeListener>, Error> open_pg_listener(const std::string& url,
                                                                      std::function<void(Change)> on_change) {
  auto l = std::make_unique<PgListener>(url, std::move(on_change));
  DB_TRY(l->start());
  return std::unique_ptr<ChangeListener>(std::move(l));
}

}  // namespace switchyard::db::postgres
