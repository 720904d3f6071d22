#include "proxy/auth/key_table.h"

#include "db/key_hash.h"

namespace switchyard::proxy {

namespace {
constexpr auto kUnknownTtl = std::chrono::seconds(5);
constexpr size_t kUnknownMax = 100000;
// Rows changed this close before the last poll are read again: `updated` has millisecond
// resolution and a writer may commit a row stamped just before our previous poll.
constexpr int64_t kPollOverlapMs = 2000;
}  // namespace

KeyTable::KeyTable(std::unique_ptr<db::KeyStore> store, KeyTableOptions options)
    : store_(std::move(store)),
      now_ms_(options.now_ms ? std::move(options.now_ms) : std::function<int64_t()>(db::now_unix_ms)),
      poll_interval_ms_(options.poll_interval_ms) {}

KeyTable::~KeyTable() {
  {
    std::lock_guard lock(poll_mu_);
    stopping_ = true;
  }
  poll_cv_.notify_all();
  if (poll_thread_.joinable()) poll_thread_.join();
}

// Builds an entry with the key's spend: all of it, and in its current window.
std::shared_ptr<KeyEntry> KeyTable::entry_for(const db::ApiKeyRow& row) {
  KeySettings s = settings_from(row);
  int64_t now = now_ms_();
  int64_t window_usage = row.usage_pico;
  if (s.limit_reset != billing::LimitReset::never) {
    auto w = store_->key_usage_since(row.key_hash, billing::period_start(s.limit_reset, now));
    window_usage = w ? *w : 0;
  }
  return std::make_shared<KeyEntry>(row.key_hash, std::move(s), row.usage_pico, window_usage, now);
}

Result<void> KeyTable::load() {
  {
    std::lock_guard lock(store_mu_);
    last_poll_ms_ = db::now_unix_ms();
    auto rows = store_->list_keys(db::KeyListQuery{true, false, 0, 0});
    if (!rows) return fail(ErrorKind::internal, "cannot load API keys: " + rows.error().message);
    std::unordered_map<std::string, std::shared_ptr<KeyEntry>> loaded;
    for (const auto& row : *rows) loaded[row.key_hash] = entry_for(row);
    std::unique_lock w(mu_);
    keys_ = std::move(loaded);
  }
  if (poll_interval_ms_ > 0 && !poll_thread_.joinable())
    poll_thread_ = std::thread([this, i = poll_interval_ms_] { poll_loop(i); });
  return {};
}

std::shared_ptr<KeyEntry> KeyTable::lookup_db(const std::string& hash) {
  std::lock_guard lock(store_mu_);
  auto row = store_->find_key(hash);
  if (!row || !*row) return nullptr;
  return entry_for(**row);
}

Result<void> KeyTable::check_usable(const KeyEntry& entry) const {
  KeySettings s = entry.settings();
  if (s.deleted) return fail(ErrorKind::unauthenticated, "API key has been deleted");
  if (s.disabled) return fail(ErrorKind::unauthenticated, "API key is disabled");
  if (s.expires_at && *s.expires_at <= now_ms_())
    return fail(ErrorKind::unauthenticated, "API key expired at " + billing::format_iso8601(*s.expires_at));
  return {};
}

namespace {

bool well_formed_key(std::string_view key) {
  size_t end = key.size();
  while (end > 0 && key[end - 1] == '=') --end;  // token68 may end in '='
  if (end == 0 || key.size() > 512) return false;
  for (size_t i = 0; i < end; ++i) {
    const char c = key[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<std::shared_ptr<KeyEntry>> KeyTable::authenticate(std::string_view header) {
  constexpr std::string_view bearer = "Bearer ";
  if (header.empty())
    return fail(ErrorKind::unauthenticated, "Missing API key: send it as 'Authorization: Bearer <key>'");
  if (header.size() <= bearer.size() || header.substr(0, bearer.size()) != bearer)
    return fail(ErrorKind::unauthenticated, "Malformed Authorization header: expected 'Bearer <key>'");
  // Exactly "Bearer <key>" (issue 16, finding 9): the key is a token68 (RFC 7235), nothing
  // before or after it; "Bearer <key>\0junk" or a second word is malformed, not a match.
  std::string_view key = header.substr(bearer.size());
  if (!well_formed_key(key))
    return fail(ErrorKind::unauthenticated, "Malformed Authorization header: expected 'Bearer <key>'");
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
    entry = keys_.emplace(hash, entry).first->second;
  }
  if (auto ok = check_usable(*entry); !ok) return std::unexpected(ok.error());
  return entry;
}

// An entry already in the table keeps its live budget (it includes rows not yet written);
// only its settings change. A key not yet in the table is added.
void KeyTable::apply(const db::ApiKeyRow& row) {
  std::shared_ptr<KeyEntry> existing;
  {
    std::shared_lock r(mu_);
    if (auto it = keys_.find(row.key_hash); it != keys_.end()) existing = it->second;
  }
  if (!existing) {
    auto fresh = entry_for(row);
    std::unique_lock w(mu_);
    unknown_.erase(row.key_hash);
    keys_.emplace(row.key_hash, std::move(fresh));
    return;
  }
  KeySettings s = settings_from(row);
  std::optional<int64_t> window_usage;
  if (s.limit_reset != existing->settings().limit_reset && s.limit_reset != billing::LimitReset::never) {
    auto w = store_->key_usage_since(row.key_hash, billing::period_start(s.limit_reset, now_ms_()));
    if (w) window_usage = *w;
  }
  existing->update(std::move(s), window_usage, now_ms_());
}

void KeyTable::refresh(const std::string& key_hash) {
  std::lock_guard lock(store_mu_);
  auto row = store_->find_key(key_hash);
  if (row && *row) apply(**row);
}

void KeyTable::poll_changes() {
  std::lock_guard lock(store_mu_);
  int64_t started = db::now_unix_ms();
  auto rows = store_->keys_changed_since(last_poll_ms_ - kPollOverlapMs);
  if (!rows) return;  // the store is away: keep serving from memory, try again next time
  for (const auto& row : *rows) apply(row);
  last_poll_ms_ = started;
}

void KeyTable::poll_loop(int64_t interval_ms) {
  std::unique_lock lock(poll_mu_);
  while (!stopping_) {
    poll_cv_.wait_for(lock, std::chrono::milliseconds(interval_ms), [this] { return stopping_; });
    if (stopping_) return;
    lock.unlock();
    poll_changes();
    lock.lock();
  }
}

}  // namespace switchyard::proxy
