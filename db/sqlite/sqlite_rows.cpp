#include "db/sqlite/sqlite_rows.h"

#include <exception>

namespace switchyard::db::sqlite {

UsageRecord read_usage(const Stmt& s) {
  UsageRecord r;
  int i = 0;
  r.generation_id = s.col_text(i++);
  r.key_hash = s.col_text(i++);
  r.model = s.col_text(i++);
  r.provider = s.col_text(i++);
  r.upstream_model = s.col_text(i++);
  r.prompt_tokens = s.col_int(i++);
  r.completion_tokens = s.col_int(i++);
  r.cached_tokens = s.col_int(i++);
  r.cache_write_tokens = s.col_int(i++);
  r.cost_pico = s.col_int(i++);
  r.status = static_cast<int>(s.col_int(i++));
  r.error_message = s.col_text(i++);
  r.latency_ms = s.col_opt_int(i++);
  r.total_ms = s.col_int(i++);
  r.generation_ms = s.col_int(i++);
  r.streamed = s.col_bool(i++);
  r.cancelled = s.col_bool(i++);
  r.finish_reason = s.col_text(i++);
  r.native_finish_reason = s.col_text(i++);
  r.usage_estimated = s.col_bool(i++);
  r.http_referer = s.col_text(i++);
  r.x_title = s.col_text(i++);
  r.created = s.col_int(i++);
  r.api = s.col_text(i++);
  r.price_id = s.col_opt_int(i++);
  r.insured = s.col_bool(i++);
  r.waived_pico = s.col_int(i++);
  return r;
}

void bind_usage(Stmt& s, const UsageRecord& r) {
  s.bind(1, r.generation_id).bind(2, r.key_hash).bind(3, r.model).bind(4, r.provider);
  s.bind(5, r.upstream_model).bind(6, r.prompt_tokens).bind(7, r.completion_tokens);
  s.bind(8, r.cached_tokens).bind(9, r.cache_write_tokens).bind(10, r.cost_pico);
  s.bind(11, r.status).bind(12, r.error_message).bind(13, r.latency_ms).bind(14, r.total_ms);
  s.bind(15, r.generation_ms).bind(16, r.streamed).bind(17, r.cancelled);
  s.bind(18, r.finish_reason).bind(19, r.native_finish_reason).bind(20, r.usage_estimated);
  s.bind(21, r.http_referer).bind(22, r.x_title).bind(23, r.created).bind(24, r.api);
  s.bind(25, r.price_id).bind(26, r.insured).bind(27, r.waived_pico);
}

ApiKeyRow read_key(const Stmt& s) {
  ApiKeyRow k;
  k.key_hash = s.col_text(0);
  k.name = s.col_text(1);
  k.label = s.col_text(2);
  k.limit_pico = s.col_opt_int(3);
  k.disabled = s.col_bool(4);
  k.created = s.col_int(5);
  k.usage_pico = s.col_int(6);
  k.management = s.col_bool(7);
  k.limit_reset = s.col_text(8);
  k.expires_at = s.col_opt_int(9);
  k.updated = s.col_int(10);
  k.deleted = s.col_bool(11);
  k.rpm = s.col_opt_int(12);
  k.tpm = s.col_opt_int(13);
  k.max_concurrent = s.col_opt_int(14);
  return k;
}

PriceRow read_price(const Stmt& s) {
  PriceRow p;
  p.id = s.col_int(0);
  p.model = s.col_text(1);
  p.provider = s.col_text(2);
  p.upstream_model = s.col_text(3);
  p.prompt_pico = s.col_int(4);
  p.completion_pico = s.col_int(5);
  p.request_pico = s.col_int(6);
  p.cache_read_pico = s.col_opt_int(7);
  p.cache_write_pico = s.col_opt_int(8);
  p.effective_from = s.col_int(9);
  p.created = s.col_int(10);
  p.source = s.col_text(11);
  p.set_by = s.col_text(12);
  return p;
}

AuditEntry read_audit(const Stmt& s) {
  return AuditEntry{s.col_int(0), s.col_int(1), s.col_text(2), s.col_text(3), s.col_text(4), s.col_text(5)};
}

std::expected<void, Error> write_audit(sqlite3* db, const AuditEntry* e) {
  if (!e) return {};
  DB_ASSIGN(st, Stmt::prepare(db, "INSERT INTO audit_log (created, actor, action, target, details) VALUES (?, ?, ?, ?, ?)"));
  st->bind(1, e->created ? e->created : now_unix_ms()).bind(2, e->actor).bind(3, e->action).bind(4, e->target);
  st->bind(5, e->details_json.empty() ? std::string("{}") : e->details_json);
  return st->run();
}

std::string hist_to_text(const std::vector<int64_t>& h) {
  std::string out;
  for (size_t i = 0; i < h.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(h[i]);
  }
  return out;
}

// Lenient: the column is ours, but a hand-edited row must not break health loading.
std::vector<int64_t> hist_from_text(const std::string& text) {
  std::vector<int64_t> out;
  if (text.empty()) return out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    int64_t v = 0;
    try { v = std::stoll(part); } catch (const std::exception&) { v = 0; }
    out.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<int64_t> hist_add(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  if (a.size() < b.size()) a.resize(b.size(), 0);
  for (size_t i = 0; i < b.size(); ++i) a[i] += b[i];
  return a;
}

CircuitState read_circuit(const Stmt& s) {
  return CircuitState{s.col_text(0), s.col_text(1), s.col_int(2), s.col_int(3), s.col_int(4)};
}

}  // namespace switchyard::db::sqlite
