#include "db/ledger_writer.h"

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
    : store_(std::move(store)), opts_(opts), thread_([this] { run(); }) {}

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
  write_batch({std::move(record)});
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

LedgerStats LedgerWriter::stats() const {
  return LedgerStats{records_written_.load(), records_duplicate_.load(), records_failed_.load(),
                     batches_.load(), batches_failed_.load()};
}

void LedgerWriter::run() {
  std::vector<UsageRecord> batch;
  while (true) {
    uint64_t batch_end = 0;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping and drained
      batch.clear();
      while (!queue_.empty() && batch.size() < opts_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      batch_end = done_seq_ + batch.size();  // one writer: records finish in push order
    }
    write_batch(batch);
    {
      std::lock_guard lock(mu_);
      done_seq_ = batch_end;
    }
    done_cv_.notify_all();
  }
}

void LedgerWriter::write_batch(const std::vector<UsageRecord>& batch) {
  ++batches_;
  try {
    // Retry once: most failures are transient (SQLITE_BUSY past the busy timeout, a full
    // disk that an operator is clearing), and a second try costs nothing when healthy.
    auto r = store_->insert_usage_batch(batch);
    if (!r) r = store_->insert_usage_batch(batch);
    if (r) {
      records_written_ += r->inserted;
      records_duplicate_ += r->duplicates;
      return;
    }
    ++batches_failed_;
    std::fprintf(stderr, "ledger: batch of %zu records failed twice (%s); writing them one by one\n",
                 batch.size(), r.error().message.c_str());
    // A transaction is all or nothing, so one bad record would sink the whole batch;
    // alone, each good record still lands and only the bad ones are reported.
    for (const UsageRecord& rec : batch) {
      auto one = store_->insert_usage_batch({rec});
      if (one) {
        records_written_ += one->inserted;
        records_duplicate_ += one->duplicates;
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
}

}  // namespace switchyard::db
