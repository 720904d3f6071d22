#include "db/ledger_writer.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <system_error>

namespace switchyard::db {

namespace {
// Logs name only the key's hash prefix: enough to find the key, useless to an attacker.
std::string hash_prefix(const std::string& key_hash) { return key_hash.substr(0, 8); }
}  // namespace

std::expected<std::unique_ptr<LedgerWriter>, Error> LedgerWriter::open(const std::string& url,
                                                                      const LedgerOptions& opts) {
  auto store = open_store(url, opts.store);
  if (!store) return std::unexpected(store.error());
  return create(std::move(*store), opts);
}

std::expected<std::unique_ptr<LedgerWriter>, Error> LedgerWriter::create(std::unique_ptr<UsageStore> store,
                                                                        const LedgerOptions& opts) {
  LedgerOptions checked = opts;
  if (checked.max_batch == 0) checked.max_batch = 1;
  try {
    return std::unique_ptr<LedgerWriter>(new LedgerWriter(std::move(store), checked));
  } catch (const std::system_error& e) {  // thread creation failed
    return std::unexpected(Error{std::string("ledger writer: cannot start thread: ") + e.what()});
  }
}

LedgerWriter::LedgerWriter(std::unique_ptr<UsageStore> store, const LedgerOptions& opts)
    : store_(std::move(store)),
      opts_(opts),
      spill_(opts.spill_path.empty() ? nullptr : std::make_unique<SpillFile>(opts.spill_path)),
      thread_([this] { run(); }) {}

LedgerWriter::~LedgerWriter() { stop(); }

void LedgerWriter::push(UsageRecord record) {
  if (record.created == 0) record.created = now_unix_ms();
  for (AttemptRecord& a : record.attempts)
    if (a.created == 0) a.created = record.created;
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(record));
      ++pushed_seq_;
      work_cv_.notify_one();
      return;
    }
  }
  // Shutdown race: the thread is gone or going; write here rather than drop the record.
  std::lock_guard stop_lock(stop_mu_);
  std::vector<UsageRecord> one{std::move(record)};
  if (write_batch(one) == 1) return;
  if (spill_ && spill_->append(one)) {
    ++records_spilled_;
    return;
  }
  ++records_failed_;
  std::fprintf(stderr, "ledger: lost usage record %s: the database is unavailable and there is no spill file\n",
               one[0].generation_id.c_str());
}

void LedgerWriter::flush() {
  std::unique_lock lock(mu_);
  uint64_t target = pushed_seq_;
  work_cv_.notify_one();
  done_cv_.wait(lock, [&] { return done_seq_ >= target; });
}

void LedgerWriter::stop() {
  std::lock_guard stop_lock(stop_mu_);
  if (stopped_) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  stopped_ = true;
}

int64_t LedgerWriter::queue_depth() const {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(pushed_seq_ - done_seq_);
}

LedgerStats LedgerWriter::stats() const {
  return LedgerStats{records_written_.load(), records_duplicate_.load(), records_failed_.load(),
                     batches_.load(),          batches_failed_.load(),    records_spilled_.load(),
                     records_replayed_.load(), outages_.load(),           unavailable_.load()};
}

void LedgerWriter::mark_done(uint64_t n) {
  if (n == 0) return;
  {
    std::lock_guard lock(mu_);
    done_seq_ += n;
  }
  done_cv_.notify_all();
}

void LedgerWriter::run() {
  // Rows an earlier writer spilled (it stopped during an outage) go first.
  if (spill_ && spill_->has_rows() && !replay_spill()) ride_out_outage({});
  std::vector<UsageRecord> batch;
  while (true) {
    {
      std::unique_lock lock(mu_);
      // Wakes for records, for stopping, and (with retention) hourly to prune.
      auto ready = [&] { return !queue_.empty() || stopping_; };
      if (opts_.usage_retention_ms > 0) work_cv_.wait_for(lock, std::chrono::hours(1), ready);
      else work_cv_.wait(lock, ready);
      if (queue_.empty() && stopping_) return;  // stopping and drained
      if (queue_.empty()) {
        lock.unlock();
        prune_if_due();
        continue;
      }
      batch.clear();
      while (!queue_.empty() && batch.size() < opts_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    size_t written = write_batch(batch);  // one writer: records finish in push order
    mark_done(written);
    if (written < batch.size())
      ride_out_outage(std::vector<UsageRecord>(std::make_move_iterator(batch.begin() + static_cast<ptrdiff_t>(written)),
                                               std::make_move_iterator(batch.end())));
    prune_if_due();  // after flush() waiters are released
  }
}

void LedgerWriter::ride_out_outage(std::vector<UsageRecord> pending) {
  unavailable_ = true;
  ++outages_;
  std::fprintf(stderr, "ledger: database unavailable: queueing usage rows in memory (up to %zu)%s%s\n",
               opts_.max_queued_rows, spill_ ? ", then in " : "", spill_ ? spill_->path().c_str() : "");
  int64_t pause_ms = std::max<int64_t>(1, opts_.retry_min_ms);
  while (true) {
    {
      std::unique_lock lock(mu_);
      spill_excess(lock, false);
      work_cv_.wait_for(lock, std::chrono::milliseconds(pause_ms),
                        [&] { return stopping_ || queue_.size() > opts_.max_queued_rows; });
      if (stopping_) {
        lock.unlock();
        give_up_at_stop(std::move(pending));
        return;
      }
      spill_excess(lock, false);
    }
    size_t written = write_batch(pending);
    mark_done(written);
    pending.erase(pending.begin(), pending.begin() + static_cast<ptrdiff_t>(written));
    if (pending.empty() && replay_spill()) break;
    pause_ms = std::min(pause_ms * 2, std::max<int64_t>(1, opts_.retry_max_ms));
  }
  unavailable_ = false;
  std::fprintf(stderr, "ledger: database available again: queued and spilled usage rows written\n");
}

// Stopping while the database is away: every row still here goes to the spill file (the
// next writer replays it), or is reported lost when there is none.
void LedgerWriter::give_up_at_stop(std::vector<UsageRecord> pending) {
  std::unique_lock lock(mu_);
  while (!queue_.empty()) {
    pending.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  uint64_t left = pending.size() + spilled_counted_;
  lock.unlock();
  if (spill_ && spill_->append(pending)) {
    records_spilled_ += static_cast<int64_t>(pending.size());
    std::fprintf(stderr, "ledger: stopping while the database is unavailable: %llu usage rows kept in %s for the next start\n",
                 static_cast<unsigned long long>(left), spill_->path().c_str());
  } else if (!pending.empty()) {
    records_failed_ += static_cast<int64_t>(pending.size());
    std::fprintf(stderr, "ledger: stopping while the database is unavailable: %zu usage rows lost (no spill file)\n",
                 pending.size());
  }
  lock.lock();
  spilled_counted_ = 0;
  done_seq_ = pushed_seq_;
  lock.unlock();
  done_cv_.notify_all();
}

// With mu_ held (released while writing the file): moves the oldest queued rows past
// max_queued_rows (or all of them) to the spill file. Those are newer than any row being
// retried and older than any left queued, so replaying the file between the two keeps
// push order. A spill that fails (disk full) puts the rows back.
void LedgerWriter::spill_excess(std::unique_lock<std::mutex>& lock, bool everything) {
  if (!spill_) return;
  size_t keep = everything ? 0 : opts_.max_queued_rows;
  if (queue_.size() <= keep) return;
  std::vector<UsageRecord> rows;
  size_t n = queue_.size() - keep;
  rows.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    rows.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  lock.unlock();
  auto ok = spill_->append(rows);
  lock.lock();
  if (ok) {
    spilled_counted_ += rows.size();
    records_spilled_ += static_cast<int64_t>(rows.size());
    return;
  }
  std::fprintf(stderr, "ledger: %s; keeping the rows in memory\n", ok.error().message.c_str());
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) queue_.push_front(std::move(*it));
}

bool LedgerWriter::replay_spill() {
  if (!spill_ || !spill_->has_rows()) return true;
  int64_t bad_lines = 0;
  auto whole = spill_->replay(opts_.max_batch, [&](std::vector<UsageRecord>& rows) {
    size_t written = write_batch(rows);
    records_replayed_ += static_cast<int64_t>(written);
    return written == rows.size();
  }, &bad_lines);
  if (bad_lines > 0)
    std::fprintf(stderr, "ledger: %lld unreadable lines in %s skipped\n", static_cast<long long>(bad_lines),
                 spill_->path().c_str());
  if (!whole) {
    std::fprintf(stderr, "ledger: %s\n", whole.error().message.c_str());
    return false;
  }
  if (!*whole) return false;
  if (auto cleared = spill_->clear(); !cleared) std::fprintf(stderr, "ledger: %s\n", cleared.error().message.c_str());
  uint64_t counted;
  {
    std::lock_guard lock(mu_);
    counted = spilled_counted_;
    spilled_counted_ = 0;
  }
  mark_done(counted);
  return true;
}

void LedgerWriter::prune_if_due() {
  if (opts_.usage_retention_ms <= 0) return;
  int64_t now = now_unix_ms();
  if (now - last_prune_ms_ < 3'600'000) return;
  last_prune_ms_ = now;
  auto pruned = store_->prune_usage(now - opts_.usage_retention_ms);
  if (!pruned) std::fprintf(stderr, "ledger: retention: %s\n", pruned.error().message.c_str());
}

size_t LedgerWriter::write_batch(const std::vector<UsageRecord>& batch) {
  if (batch.empty()) return 0;
  ++batches_;
  try {
    auto r = store_->insert_usage_batch(batch);
    if (!r && r.error().code == ErrorCode::unavailable) return 0;  // an outage: kept, not split
    // Retry once: most other failures are transient (SQLITE_BUSY past the busy timeout, a
    // full disk that an operator is clearing), and a second try costs nothing when healthy.
    if (!r) r = store_->insert_usage_batch(batch);
    if (r) {
      records_written_ += r->inserted;
      records_duplicate_ += r->duplicates;
      return batch.size();
    }
    if (r.error().code == ErrorCode::unavailable) return 0;
    ++batches_failed_;
    std::fprintf(stderr, "ledger: batch of %zu records failed twice (%s); writing them one by one\n",
                 batch.size(), r.error().message.c_str());
    // A transaction is all or nothing, so one bad record would sink the whole batch;
    // alone, each good record still lands and only the bad ones are reported.
    for (size_t i = 0; i < batch.size(); ++i) {
      const UsageRecord& rec = batch[i];
      auto one = store_->insert_usage_batch({rec});
      if (one) {
        records_written_ += one->inserted;
        records_duplicate_ += one->duplicates;
      } else if (one.error().code == ErrorCode::unavailable) {
        return i;  // the rest waits for the database
      } else {
        ++records_failed_;
        std::fprintf(stderr, "ledger: lost usage record %s (key %s..., cost_pico %lld): %s\n",
                     rec.generation_id.c_str(), hash_prefix(rec.key_hash).c_str(),
                     static_cast<long long>(rec.cost_pico), one.error().message.c_str());
      }
    }
  } catch (const std::exception& e) {  // bad_alloc copying a batch: count, never crash
    records_failed_ += static_cast<int64_t>(batch.size());
    ++batches_failed_;
    std::fprintf(stderr, "ledger: batch of %zu records failed: %s\n", batch.size(), e.what());
  }
  return batch.size();
}

}  // namespace switchyard::db
