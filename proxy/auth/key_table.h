// The in-memory key table (DESIGN.md §1: auth is a hash lookup, limits are checked against
// in-memory totals kept in step with the ledger). Misses fall back to the database so keys
// created by `switchyard keys create` while the server runs work at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "db/store.h"
#include "providers/error.h"

namespace switchyard::proxy {

struct KeyEntry {
  std::string key_hash;
  std::string name;
  std::string label;
  std::atomic<int64_t> limit_pico{-1};  // -1 = unlimited (atomics: admin changes race reads)
  std::atomic<bool> disabled{false};
  std::atomic<int64_t> usage_pico{0};  // ledger total + what is queued for it
};

class KeyTable {
 public:
  // `store` is a read connection of the KeyTable's own (misses and reloads).
  explicit KeyTable(std::unique_ptr<db::KeyStore> store);

  // Loads every key with its usage total.
  Result<void> load();

  // Authorization header value → the key's entry. 401 when missing, unknown or disabled.
  Result<std::shared_ptr<KeyEntry>> authenticate(std::string_view authorization_header);

  // 402 when the key has a limit and has used all of it.
  static Result<void> check_limit(const KeyEntry& key);

  // Called when a usage record is queued for the ledger.
  static void add_usage(KeyEntry& key, int64_t cost_pico) { key.usage_pico.fetch_add(cost_pico); }

  // Re-reads one key (after an admin change).
  void invalidate(const std::string& key_hash);

 private:
  std::shared_ptr<KeyEntry> lookup_db(const std::string& hash);

  std::unique_ptr<db::KeyStore> store_;
  std::mutex store_mu_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<KeyEntry>> keys_;
  // Unknown hashes seen recently, so a client hammering with a bad key does not hit SQLite
  // each time. Entries expire after a few seconds (a key created meanwhile then works).
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> unknown_;
};

}  // namespace switchyard::proxy
