// The ledger's spill file: where usage rows wait, on local disk, while the database is away
// and the in-memory queue is full (LedgerOptions::max_queued_rows). One record per line,
// tab-separated and escaped; appended a batch at a time and fsynced before the rows leave
// memory, so a crash during an outage loses nothing that was spilled. Replayed (inserts that
// skip generation ids already stored) when the database returns or at the next start, then
// emptied. One writer per file: each instance has its own path.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/error.h"
#include "db/records.h"

namespace switchyard::db {

std::string encode_spill_record(const UsageRecord& r);  // one line, without the '\n'
std::optional<UsageRecord> decode_spill_record(std::string_view line);

class SpillFile {
 public:
  explicit SpillFile(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }
  // Appends every record and fsyncs; an error leaves the records with the caller.
  std::expected<void, Error> append(const std::vector<UsageRecord>& records);
  // Reads the file in batches of up to `max_batch` records; stops at the first batch `fn`
  // refuses (returns false). Lines that do not decode (a torn last line after a crash) are
  // counted in `bad_lines` and skipped. Returns whether every batch was taken.
  std::expected<bool, Error> replay(size_t max_batch, const std::function<bool(std::vector<UsageRecord>&)>& fn,
                                    int64_t* bad_lines = nullptr);
  std::expected<void, Error> clear();  // empties it (after a whole replay)
  bool has_rows() const;

 private:
  std::string path_;
};

}  // namespace switchyard::db
