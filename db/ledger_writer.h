// The ledger writer (DESIGN.md §5): one thread owns a write connection and turns queued
// UsageRecords into one transaction per batch, so no request ever waits on a disk flush.
//
// push() only appends to an in-memory queue (unbounded: the ledger must never drop a
// record, and blocking a request on disk is what this class exists to avoid; one writer
// commits many thousands of rows a second, so the queue stays short unless the disk is
// gone). flush() waits until every record pushed before it was committed or given up on.
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
#include "db/store.h"

namespace switchyard::db {

struct LedgerOptions {
  StoreOptions store;
  size_t max_batch = 10000;  // caps one transaction's size when a backlog built up
};

struct LedgerStats {
  int64_t records_written = 0;    // rows committed
  int64_t records_duplicate = 0;  // generation id already stored; skipped, not lost
  int64_t records_failed = 0;     // could not be written even alone (logged to stderr)
  int64_t batches = 0;            // transactions attempted (a retry is not a new batch)
  int64_t batches_failed = 0;     // batches that failed twice and were split row by row
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

 private:
  LedgerWriter(std::unique_ptr<UsageStore> store, const LedgerOptions& opts);
  void run();
  void write_batch(const std::vector<UsageRecord>& batch);

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

  std::atomic<int64_t> records_written_{0}, records_duplicate_{0}, records_failed_{0};
  std::atomic<int64_t> batches_{0}, batches_failed_{0};

  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace switchyard::db
