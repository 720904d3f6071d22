// The in-memory key table (DESIGN.md §1): authentication is a hash lookup; budgets and
// rate limits are checked against in-memory state kept in step with the ledger.
//  * Misses fall back to the store, so a key created elsewhere works at once.
//  * A poll thread picks up keys changed elsewhere (the CLI, another instance) every
//    poll_interval_ms: a disabled, deleted or re-limited key is honoured within that.
//  * refresh(hash) re-reads one key now (after an admin change on this instance).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "db/store.h"
#include "providers/error.h"
#include "proxy/auth/key_entry.h"

namespace switchyard::proxy {

struct KeyTableOptions {
  int64_t poll_interval_ms = 1000;  // <= 0: no poll thread (tests call poll_changes())
  std::function<int64_t()> now_ms;  // the clock for expiry and budget windows; default: real time
};

class KeyTable {
 public:
  // `store` is a connection of the KeyTable's own.
  explicit KeyTable(std::unique_ptr<db::KeyStore> store, KeyTableOptions options = {});
  ~KeyTable();
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;

  // Loads every key with its usage, and starts polling.
  Result<void> load();

  // `Authorization` header value -> the key's entry. 401 when missing, malformed, unknown,
  // deleted, disabled or expired (the message says which).
  Result<std::shared_ptr<KeyEntry>> authenticate(std::string_view authorization_header);

  // Re-reads one key from the store now.
  void refresh(const std::string& key_hash);
  // Applies every key changed in the store since the last poll.
  void poll_changes();

  int64_t now() const { return now_ms_(); }

 private:
  std::shared_ptr<KeyEntry> lookup_db(const std::string& hash);
  std::shared_ptr<KeyEntry> entry_for(const db::ApiKeyRow& row);
  void apply(const db::ApiKeyRow& row);
  Result<void> check_usable(const KeyEntry& entry) const;
  void poll_loop(int64_t interval_ms);

  std::unique_ptr<db::KeyStore> store_;
  std::mutex store_mu_;
  std::function<int64_t()> now_ms_;
  int64_t poll_interval_ms_;
  int64_t last_poll_ms_ = 0;  // store time (the store stamps `updated` with real time)

  std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<KeyEntry>> keys_;
  // Unknown hashes seen recently, so a client hammering with a bad key does not hit the
  // store each time. Entries expire after a few seconds; a key created meanwhile is added
  // by the poll anyway.
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> unknown_;

  std::mutex poll_mu_;
  std::condition_variable poll_cv_;
  bool stopping_ = false;
  std::thread poll_thread_;
};

}  // namespace switchyard::proxy
