// The access log: one line per finished request (RequestLedger::finish), on stderr by
// default. Text (`logging.format: text`, the default) is compact key=value pairs; JSON is
// one object a line. Fields: time (UTC, ms), generation id, key name (never the key), app
// (X-Title, else HTTP-Referer), client IP, API surface, model, provider/upstream model,
// status, prompt+completion tokens, cost (USD), time to first byte, total time, attempts.
// Every value a client or upstream controls is escaped: no line can forge another.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "db/records.h"

namespace switchyard::proxy {

// What a line says beyond the usage row.
struct AccessContext {
  std::string key_name;
  std::string client_ip;
};

// One line, with its '\n'.
std::string format_access_text(const db::UsageRecord& row, const AccessContext& ctx);
std::string format_access_json(const db::UsageRecord& row, const AccessContext& ctx);

class AccessLog {
 public:
  explicit AccessLog(bool json, std::FILE* out = stderr) : json_(json), out_(out) {}
  // Thread-safe; each line is written whole.
  void write(const db::UsageRecord& row, const AccessContext& ctx);

 private:
  bool json_;
  std::FILE* out_;
  std::mutex mu_;
};

}  // namespace switchyard::proxy
