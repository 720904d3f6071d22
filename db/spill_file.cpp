#include "db/spill_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace switchyard::db {

namespace {

constexpr std::string_view kVersion = "v1";

void put_text(std::string& out, std::string_view s) {
  out += '\t';
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}
void put_int(std::string& out, int64_t v) { out += '\t'; out += std::to_string(v); }
void put_opt(std::string& out, std::optional<int64_t> v) { out += '\t'; if (v) out += std::to_string(*v); else out += '-'; }

// Splits on tabs, undoing the escapes.
std::vector<std::string> fields_of(std::string_view line) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\t') { out.emplace_back(); continue; }
    if (c == '\\' && i + 1 < line.size()) {
      char n = line[++i];
      out.back() += n == 't' ? '\t' : n == 'n' ? '\n' : n == 'r' ? '\r' : n;
      continue;
    }
    out.back() += c;
  }
  return out;
}

struct Reader {
  const std::vector<std::string>& f;
  size_t i = 0;
  bool ok = true;
  const std::string& text() {
    static const std::string empty;
    if (i >= f.size()) { ok = false; return empty; }
    return f[i++];
  }
  int64_t num() {
    const std::string& s = text();
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) ok = false;
    return v;
  }
  std::optional<int64_t> opt() {
    if (i < f.size() && f[i] == "-") { ++i; return std::nullopt; }
    return num();
  }
};

Error io_error(const std::string& what, const std::string& path) {
  return Error{"spill file " + path + ": " + what + ": " + std::strerror(errno), ErrorCode::unavailable, errno};
}

}  // namespace

std::string encode_spill_record(const UsageRecord& r) {
  std::string out(kVersion);
  for (const std::string* s : {&r.generation_id, &r.key_hash, &r.model, &r.provider, &r.upstream_model}) put_text(out, *s);
  for (int64_t v : {r.prompt_tokens, r.completion_tokens, r.cached_tokens, r.cache_write_tokens, r.reasoning_tokens,
                    r.cost_pico, int64_t{r.status}})
    put_int(out, v);
  put_text(out, r.error_message);
  put_opt(out, r.latency_ms);
  for (int64_t v : {r.total_ms, r.generation_ms, int64_t{r.streamed}, int64_t{r.cancelled}}) put_int(out, v);
  for (const std::string* s : {&r.finish_reason, &r.native_finish_reason}) put_text(out, *s);
  put_int(out, r.usage_estimated);
  for (const std::string* s : {&r.http_referer, &r.x_title, &r.api}) put_text(out, *s);
  put_opt(out, r.price_id);
  for (int64_t v : {int64_t{r.insured}, r.waived_pico, r.created, static_cast<int64_t>(r.attempts.size())}) put_int(out, v);
  for (const AttemptRecord& a : r.attempts) {
    put_int(out, a.attempt);
    put_text(out, a.provider);
    put_text(out, a.upstream_model);
    put_int(out, a.status);
    put_text(out, a.error_kind);
    put_text(out, a.error_message);
    put_opt(out, a.latency_ms);
    put_int(out, a.created);
  }
  return out;
}

std::optional<UsageRecord> decode_spill_record(std::string_view line) {
  auto f = fields_of(line);
  Reader in{f};
  if (in.text() != kVersion) return std::nullopt;
  UsageRecord r;
  for (std::string* s : {&r.generation_id, &r.key_hash, &r.model, &r.provider, &r.upstream_model}) *s = in.text();
  for (int64_t* v : {&r.prompt_tokens, &r.completion_tokens, &r.cached_tokens, &r.cache_write_tokens,
                     &r.reasoning_tokens, &r.cost_pico})
    *v = in.num();
  r.status = static_cast<int>(in.num());
  r.error_message = in.text();
  r.latency_ms = in.opt();
  r.total_ms = in.num();
  r.generation_ms = in.num();
  r.streamed = in.num() != 0;
  r.cancelled = in.num() != 0;
  r.finish_reason = in.text();
  r.native_finish_reason = in.text();
  r.usage_estimated = in.num() != 0;
  for (std::string* s : {&r.http_referer, &r.x_title, &r.api}) *s = in.text();
  r.price_id = in.opt();
  r.insured = in.num() != 0;
  r.waived_pico = in.num();
  r.created = in.num();
  int64_t attempts = in.num();
  for (int64_t i = 0; in.ok && i < attempts; ++i) {
    AttemptRecord a;
    a.attempt = static_cast<int>(in.num());
    a.provider = in.text();
    a.upstream_model = in.text();
    a.status = static_cast<int>(in.num());
    a.error_kind = in.text();
    a.error_message = in.text();
    a.latency_ms = in.opt();
    a.created = in.num();
    r.attempts.push_back(std::move(a));
  }
  if (!in.ok || in.i != f.size() || r.generation_id.empty()) return std::nullopt;
  return r;
}

std::expected<void, Error> SpillFile::append(const std::vector<UsageRecord>& records) {
  if (records.empty()) return {};
  if (auto parent = std::filesystem::path(path_).parent_path(); !parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
  }
  std::string bytes;
  for (const UsageRecord& r : records) {
    bytes += encode_spill_record(r);
    bytes += '\n';
  }
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(io_error("open", path_));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error e = io_error("write", path_);
      ::close(fd);
      return std::unexpected(std::move(e));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Error e = io_error("fsync", path_);
    ::close(fd);
    return std::unexpected(std::move(e));
  }
  ::close(fd);
  return {};
}

std::expected<bool, Error> SpillFile::replay(size_t max_batch, const std::function<bool(std::vector<UsageRecord>&)>& fn,
                                             int64_t* bad_lines) {
  std::ifstream in(path_);
  if (!in) return true;  // no file: nothing to replay
  std::vector<UsageRecord> batch;
  std::string line;
  while (std::getline(in, line)) {
    auto r = decode_spill_record(line);
    if (!r) {
      if (bad_lines) ++*bad_lines;
      continue;
    }
    batch.push_back(std::move(*r));
    if (batch.size() >= max_batch) {
      if (!fn(batch)) return false;
      batch.clear();
    }
  }
  if (!batch.empty() && !fn(batch)) return false;
  return true;
}

std::expected<void, Error> SpillFile::clear() {
  if (::truncate(path_.c_str(), 0) != 0 && errno != ENOENT) return std::unexpected(io_error("truncate", path_));
  return {};
}

bool SpillFile::has_rows() const {
  std::error_code ec;
  return std::filesystem::exists(path_, ec) && std::filesystem::file_size(path_, ec) > 0;
}

}  // namespace switchyard::db
