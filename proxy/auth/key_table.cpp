#include "proxy/auth/key_table.h"

#include "db/key_hash.h"
#include "proxy/billing/money.h"

namespace switchyard::proxy {

namespace {
constexpr auto kUnknownTtl = std::chrono::seconds(5);
constexpr size_t kUnknownMax = 100000;

std::shared_ptr<KeyEntry> entry_from_row(const db::ApiKeyRow& row) {
  auto e = std::make_shared<KeyEntry>();
  e->key_hash = row.key_hash;
  e->name = row.name;
  e->label = row.label;
  e->limit_pico.store(row.limit_pico.value_or(-1));
  e->disabled.store(row.disabled);
  e->usage_pico.store(row.usage_pico);
  return e;
}
}  // namespace

KeyTable::KeyTable(std::unique_ptr<db::KeyStore> store) : store_(std::move(store)) {}

Result<void> KeyTable::load() {
  std::lock_guard lock(store_mu_);
  auto rows = store_->list_keys();
  if (!rows) return fail(ErrorKind::internal, "cannot load API keys: " + rows.error().message);
  std::unique_lock w(mu_);
  keys_.clear();
  for (const auto& row : *rows) keys_[row.key_hash] = entry_from_row(row);
  return {};
}

std::shared_ptr<KeyEntry> KeyTable::lookup_db(const std::string& hash) {
  std::lock_guard lock(store_mu_);
  auto row = store_->find_key(hash);
  if (!row || !*row) return nullptr;
  return entry_from_row(**row);
}

Result<std::shared_ptr<KeyEntry>> KeyTable::authenticate(std::string_view header) {
  constexpr std::string_view bearer = "Bearer ";
  if (header.empty())
    return fail(ErrorKind::unauthenticated, "Missing API key: send it as 'Authorization: Bearer <key>'");
  if (header.size() <= bearer.size() || header.substr(0, bearer.size()) != bearer)
    return fail(ErrorKind::unauthenticated, "Malformed Authorization header: expected 'Bearer <key>'");
  std::string_view key = header.substr(bearer.size());
  while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
  while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
  std::string hash = db::hash_key(key);

  std::shared_ptr<KeyEntry> entry;
  {
    std::shared_lock r(mu_);
    if (auto it = keys_.find(hash); it != keys_.end()) entry = it->second;
  }
  if (!entry) {
    auto now = std::chrono::steady_clock::now();
    {
      std::shared_lock r(mu_);
      if (auto it = unknown_.find(hash); it != unknown_.end() && now - it->second < kUnknownTtl)
        return fail(ErrorKind::unauthenticated, "Invalid API key");
    }
    entry = lookup_db(hash);
    std::unique_lock w(mu_);
    if (!entry) {
      if (unknown_.size() >= kUnknownMax) unknown_.clear();
      unknown_[hash] = now;
      return fail(ErrorKind::unauthenticated, "Invalid API key");
    }
    unknown_.erase(hash);
    auto [it, inserted] = keys_.emplace(hash, entry);
    entry = it->second;
  }
  if (entry->disabled) return fail(ErrorKind::unauthenticated, "API key is disabled");
  return entry;
}

Result<void> KeyTable::check_limit(const KeyEntry& key) {
  int64_t limit = key.limit_pico.load();
  if (limit >= 0 && key.usage_pico.load() >= limit)
    return fail(ErrorKind::payment_required, "API key has reached its credit limit",
                "{\"limit_usd\":" + billing::usd_string(billing::Picodollars(limit)) + ",\"usage_usd\":" +
                    billing::usd_string(billing::Picodollars(key.usage_pico.load())) + "}");
  return {};
}

void KeyTable::invalidate(const std::string& key_hash) {
  auto fresh = lookup_db(key_hash);
  std::unique_lock w(mu_);
  if (auto it = keys_.find(key_hash); it != keys_.end()) {
    if (!fresh) {
      keys_.erase(it);
      return;
    }
    // Keep the live usage counter (it includes records not yet flushed).
    it->second->disabled.store(fresh->disabled.load());
    it->second->limit_pico.store(fresh->limit_pico.load());
  }
}

}  // namespace switchyard::proxy
