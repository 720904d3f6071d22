#include "proxy/server/demo_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "db/key_hash.h"

namespace switchyard::proxy::cli {

namespace {

std::string read_key(const std::string& path) {
  std::ifstream in(path);
  std::string key;
  std::getline(in, key);
  while (!key.empty() && (key.back() == '\r' || key.back() == ' ')) key.pop_back();
  return key;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool still_valid(db::KeyStore& store, const std::string& key) {
  if (key.empty()) return false;
  auto row = store.find_key(db::hash_key(key));
  if (!row || !*row) return false;
  const db::ApiKeyRow& k = **row;
  return !k.disabled && !k.deleted && !k.management && (!k.expires_at || *k.expires_at > now_ms());
}

// Written to a temporary file created 0600, then renamed over `path`: never readable by
// others, never half written.
std::expected<void, std::string> write_key(const std::string& path, const std::string& key) {
  std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected("cannot write " + tmp);
  ::fchmod(fd, 0600);
  std::string line = key + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return std::unexpected("cannot write " + path);
  }
  return {};
}

}  // namespace

std::string demo_key_path(const std::string& database_url) {
  if (auto file = db::store_file_of(database_url)) {
    auto parent = std::filesystem::path(*file).parent_path();
    return (parent.empty() ? std::filesystem::path("demo-key") : parent / "demo-key").string();
  }
  return "data/demo-key";
}

std::expected<std::string, std::string> ensure_demo_key(db::KeyStore& store, const std::string& path) {
  if (std::string kept = read_key(path); still_valid(store, kept)) return kept;
  auto created = store.create_key("demo");
  if (!created) return std::unexpected("cannot create the demo key: " + created.error().message);
  if (auto written = write_key(path, created->key); !written) return std::unexpected(written.error());
  return created->key;
}

}  // namespace switchyard::proxy::cli
