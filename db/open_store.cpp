// open_store(url): the one place that knows which store implementations exist.
#include <filesystem>
#include <string_view>

#include "db/postgres/pg_store.h"
#include "db/sqlite/sqlite_store.h"
#include "db/store.h"

namespace switchyard::db {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::expected<std::unique_ptr<Store>, Error> open_sqlite(const std::string& path, const StoreOptions& opts) {
  if (path.empty()) return std::unexpected(Error{"database URL 'sqlite:' names no file"});
  if (path != ":memory:") {
    if (auto parent = std::filesystem::path(path).parent_path(); !parent.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(parent, ec);
    }
  }
  auto store = sqlite::SqliteStore::open(path, opts);
  if (!store) return std::unexpected(store.error());
  return std::unique_ptr<Store>(std::move(*store));
}

}  // namespace

bool is_postgres_url(const std::string& url) {
  return starts_with(url, "postgres://") || starts_with(url, "postgresql://");
}

std::string redact_store_url(const std::string& url) { return postgres::redact_url(url); }

std::optional<std::string> store_file_of(const std::string& url) {
  std::string path = url;
  if (starts_with(url, "sqlite://")) path = url.substr(9);
  else if (starts_with(url, "sqlite:")) path = url.substr(7);
  else if (url.find("://") != std::string::npos) return std::nullopt;
  if (path.empty() || path == ":memory:") return std::nullopt;
  return path;
}

std::expected<std::unique_ptr<Store>, Error> open_store(const std::string& url, const StoreOptions& opts) {
  if (starts_with(url, "sqlite://")) return open_sqlite(url.substr(9), opts);
  if (starts_with(url, "sqlite:")) return open_sqlite(url.substr(7), opts);
  if (is_postgres_url(url)) {
    auto store = postgres::PgStore::open(url);
    if (!store) return std::unexpected(store.error());
    return std::unique_ptr<Store>(std::move(*store));
  }
  if (auto colon = url.find("://"); colon != std::string::npos)
    return std::unexpected(Error{"database URL scheme '" + url.substr(0, colon) + "' is not known (sqlite:, postgres://)"});
  return open_sqlite(url, opts);
}

}  // namespace switchyard::db
