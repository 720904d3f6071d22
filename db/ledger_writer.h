// The ledger writer (DESIGN.md §5): one thread owns a write connection and turns queued
// UsageRecords into one transaction per batch, so no request ever waits on a disk flush.
//
// push() only appends to an in-memory queue: the ledger must never drop a record, and
// blocking a request on the database is what this class exists to avoid. flush() waits until
// every record pushed before it was committed or given up on.
//
// Outages (a database server that is away: ErrorCode::unavailable): the batch is kept and
// retried with a growing pause (never split row by row, which would count good rows as
// lost); requests go on being queued. Past max_queued_rows the oldest queued rows move to the
// spill file (db/spill_file.h, fsynced), so memory stays bounded however long the outage.
// When the database answers again the batch, then the spill file, then the queue are written,
// in push order. Stopping during an outage spills whatever is left; the next writer on the
// same spill_path replays it first. flush() during an outage waits for the database.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "db/error.h"
#include "db/records.h"
#include "db/spill_file.h"
#include "db/store.h"

namespace switchyard::db {

struct LedgerOptions {
  StoreOptions store;
  size_t max_batch = 10000;  // caps one transaction's size when a backlog built up
  // Retention of raw usage rows (the hourly rollups are kept): rows older than this are
  // deleted once an hour by the writer thread. 0 keeps every row.
  int64_t usage_retention_ms = 0;
  // Rows held in memory while the database is away; the rest spill to spill_path.
  size_t max_queued_rows = 100000;
  std::string spill_path;  // "": no spill file (rows stay queued in memory however many)
  int64_t retry_min_ms = 50, retry_max_ms = 1000;  // the pause between tries in an outage
};

struct LedgerStats {
  int64_t records_written = 0;    // rows committed
  int64_t records_duplicate = 0;  // generation id already stored; skipped, not lost
  int64_t records_failed = 0;     // could not be written even alone (logged to stderr)
  int64_t batches = 0;            // transactions attempted (a retry is not a new batch)
  int64_t batches_failed = 0;     // batches that failed twice and were split row by row
  int64_t records_spilled = 0;    // rows moved to the spill file during outages
  int64_t records_replayed = 0;   // rows read back from it and written
  int64_t outages = 0;            // times the database became unreachable
  bool database_unavailable = false;  // now
};

class LedgerWriter {
 public:
  // Opens its own store at `url` (see open_store; migrating it) and starts the writer thread.
  static std::expected<std::unique_ptr<LedgerWriter>, Error> open(const std::string& url,
                                                                  const LedgerOptions& opts = {});
  // Over a store the caller opened (tests: a store that fails on demand).
  static std::expected<std::unique_ptr<LedgerWriter>, Error> create(std::unique_ptr<UsageStore> store,
                                                                    const LedgerOptions& opts = {});
  ~LedgerWriter();  // stop()
  LedgerWriter(const LedgerWriter&) = delete;
  LedgerWriter& operator=(const LedgerWriter&) = delete;

  // Queues one record; never waits for the disk. created == 0 is stamped with now.
  // After stop() the record is written synchronously instead, so none is ever lost.
  void push(UsageRecord record);
  // Blocks until every record pushed before this call is committed (or counted failed).
  void flush();
  // Writes everything queued, then joins the thread. Idempotent.
  void stop();

  LedgerStats stats() const;
  // Records pushed and not yet finished (written, duplicate or failed).
  int64_t queue_depth() const;

 private:
  LedgerWriter(std::unique_ptr<UsageStore> store, const LedgerOptions& opts);
  void run();
  // Writes what it can; returns the index of the first record left unwritten because the
  // database is away (batch.size() when none is).
  size_t write_batch(const std::vector<UsageRecord>& batch);
  void prune_if_due();
  // Outages (writer thread): retries `pending` until it lands or stopping; spills meanwhile.
  void ride_out_outage(std::vector<UsageRecord> pending);
  void give_up_at_stop(std::vector<UsageRecord> pending);
  void mark_done(uint64_t n);
  void spill_excess(std::unique_lock<std::mutex>& lock, bool everything);
  // Writes the spill file's rows; false when the database went away again.
  bool replay_spill();

  std::unique_ptr<UsageStore> store_;
  LedgerOptions opts_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // writer waits: records queued or stopping
  std::condition_variable done_cv_;  // flush() waits: done_seq_ advanced
  std::deque<UsageRecord> queue_;
  uint64_t pushed_seq_ = 0;  // records ever pushed
  uint64_t done_seq_ = 0;    // records ever finished (written, duplicate or failed)
  bool stopping_ = false;
  bool stopped_ = false;
  std::mutex stop_mu_;       // serializes stop() callers and the post-stop synchronous path
  std::unique_ptr<SpillFile> spill_;  // null without spill_path
  uint64_t spilled_counted_ = 0;      // rows of this run in the spill file (under mu_)
  std::atomic<bool> unavailable_{false};

  std::atomic<int64_t> records_written_{0}, records_duplicate_{0}, records_failed_{0};
  std::atomic<int64_t> batches_{0}, batches_failed_{0};
  std::atomic<int64_t> records_spilled_{0}, records_replayed_{0}, outages_{0};
  int64_t last_prune_ms_ = 0;  // writer thread only

  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace switchyard::db
