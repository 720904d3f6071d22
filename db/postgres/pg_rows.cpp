#include "db/postgres/pg_rows.h"

namespace switchyard::db::postgres {

std::string numbered(int first, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    if (i) s += ',';
    s += '$';
    s += std::to_string(first + i);
  }
  return s;
}

UsageRecord read_usage(const PgResult& s, int row, int first) {
  UsageRecord r;
  int i = first;
  r.generation_id = s.text(row, i++);
  r.key_hash = s.text(row, i++);
  r.model = s.text(row, i++);
  r.provider = s.text(row, i++);
  r.upstream_model = s.text(row, i++);
  r.prompt_tokens = s.i64(row, i++);
  r.completion_tokens = s.i64(row, i++);
  r.cached_tokens = s.i64(row, i++);
  r.cache_write_tokens = s.i64(row, i++);
  r.cost_pico = s.i64(row, i++);
  r.status = static_cast<int>(s.i64(row, i++));
  r.error_message = s.text(row, i++);
  r.latency_ms = s.opt_i64(row, i++);
  r.total_ms = s.i64(row, i++);
  r.generation_ms = s.i64(row, i++);
  r.streamed = s.boolean(row, i++);
  r.cancelled = s.boolean(row, i++);
  r.finish_reason = s.text(row, i++);
  r.native_finish_reason = s.text(row, i++);
  r.usage_estimated = s.boolean(row, i++);
  r.http_referer = s.text(row, i++);
  r.x_title = s.text(row, i++);
  r.created = s.i64(row, i++);
  r.api = s.text(row, i++);
  r.price_id = s.opt_i64(row, i++);
  r.insured = s.boolean(row, i++);
  r.waived_pico = s.i64(row, i++);
  r.reasoning_tokens = s.i64(row, i++);
  return r;
}

void add_usage(Params& p, const UsageRecord& r) {
  p.add(r.generation_id).add(r.key_hash).add(r.model).add(r.provider).add(r.upstream_model);
  p.add(r.prompt_tokens).add(r.completion_tokens).add(r.cached_tokens).add(r.cache_write_tokens).add(r.cost_pico);
  p.add(r.status).add(r.error_message).add(r.latency_ms).add(r.total_ms).add(r.generation_ms);
  p.add(r.streamed).add(r.cancelled).add(r.finish_reason).add(r.native_finish_reason).add(r.usage_estimated);
  p.add(r.http_referer).add(r.x_title).add(r.created).add(r.api).add(r.price_id);
  p.add(r.insured).add(r.waived_pico).add(r.reasoning_tokens);
}

AttemptRecord read_attempt(const PgResult& s, int row, int c) {
  return AttemptRecord{static_cast<int>(s.i64(row, c)), s.text(row, c + 1), s.text(row, c + 2),
                       static_cast<int>(s.i64(row, c + 3)), s.text(row, c + 4), s.text(row, c + 5),
                       s.opt_i64(row, c + 6), s.i64(row, c + 7)};
}

ApiKeyRow read_key(const PgResult& s, int row) {
  ApiKeyRow k;
  k.key_hash = s.text(row, 0);
  k.name = s.text(row, 1);
  k.label = s.text(row, 2);
  k.limit_pico = s.opt_i64(row, 3);
  k.disabled = s.boolean(row, 4);
  k.created = s.i64(row, 5);
  k.usage_pico = s.i64(row, 6);
  k.management = s.boolean(row, 7);
  k.limit_reset = s.text(row, 8);
  k.expires_at = s.opt_i64(row, 9);
  k.updated = s.i64(row, 10);
  k.deleted = s.boolean(row, 11);
  k.rpm = s.opt_i64(row, 12);
  k.tpm = s.opt_i64(row, 13);
  k.max_concurrent = s.opt_i64(row, 14);
  return k;
}

PriceRow read_price(const PgResult& s, int row) {
  PriceRow p;
  p.id = s.i64(row, 0);
  p.model = s.text(row, 1);
  p.provider = s.text(row, 2);
  p.upstream_model = s.text(row, 3);
  p.prompt_pico = s.i64(row, 4);
  p.completion_pico = s.i64(row, 5);
  p.request_pico = s.i64(row, 6);
  p.cache_read_pico = s.opt_i64(row, 7);
  p.cache_write_pico = s.opt_i64(row, 8);
  p.effective_from = s.i64(row, 9);
  p.created = s.i64(row, 10);
  p.source = s.text(row, 11);
  p.set_by = s.text(row, 12);
  return p;
}

AuditEntry read_audit(const PgResult& s, int row) {
  return AuditEntry{s.i64(row, 0), s.i64(row, 1), s.text(row, 2), s.text(row, 3), s.text(row, 4), s.text(row, 5)};
}

CircuitState read_circuit(const PgResult& s, int row) {
  return CircuitState{s.text(row, 0), s.text(row, 1), s.i64(row, 2), s.i64(row, 3), s.i64(row, 4)};
}

}  // namespace switchyard::db::postgres
