#include "proxy/pipeline/request_ledger.h"

#include <random>

namespace switchyard::proxy {

std::string new_generation_id() {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id = "gen-" + std::to_string(db::now_unix_ms() / 1000) + "-";
  for (int i = 0; i < 20; ++i) id += alphabet[rng() % (sizeof alphabet - 1)];
  return id;
}

RequestLedger::RequestLedger(LedgerServices services, ApiSurface api) : services_(services) {
  record_.generation_id = new_generation_id();
  record_.api = api_surface_name(api);
  if (services_.metrics) services_.metrics->request_started();
}

RequestLedger::~RequestLedger() {
  if (!finished_ && key_) {
    Outcome o;
    o.status = 500;
    o.error = Error{ErrorKind::internal, "internal error: the request ended without an outcome", 0, {}, 0};
    finish(o);
  }
  if (services_.metrics) services_.metrics->request_ended();
}

void RequestLedger::set_key(std::shared_ptr<KeyEntry> key) {
  key_ = std::move(key);
  record_.key_hash = key_->key_hash;
}

void RequestLedger::served(const EndpointId& endpoint, const AttemptOutcome& outcome) {
  served_ = endpoint;
  served_outcome_ = outcome;
  record_.provider = endpoint.provider;
  record_.upstream_model = endpoint.upstream_model;
  record_.model = endpoint.model;
}

void RequestLedger::first_byte() { record_.latency_ms = elapsed_ms(); }

int64_t RequestLedger::elapsed_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_).count();
}

void RequestLedger::finish_error(const Error& error) {
  Outcome o;
  o.status = http_status(error);
  o.error = error;
  o.cancelled = error.kind == ErrorKind::cancelled;  // the client left before the first byte
  if (!record_.attempts.empty() && record_.provider.empty()) {
    record_.provider = record_.attempts.back().provider;
    record_.upstream_model = record_.attempts.back().upstream_model;
  }
  finish(o);
}

void RequestLedger::finish(const Outcome& o) {
  if (finished_ || !key_) return;
  finished_ = true;
  db::UsageRecord& r = record_;
  r.status = o.cancelled ? 499 : o.status;
  r.cancelled = o.cancelled;
  if (o.error && !o.cancelled) r.error_message = o.error->message;
  if (o.error && o.after_first_byte && !o.cancelled) r.finish_reason = "error";
  else r.finish_reason = o.finish_reason;
  r.native_finish_reason = o.native_finish_reason;
  r.prompt_tokens = o.usage.prompt_tokens;
  r.completion_tokens = o.usage.completion_tokens;
  r.cached_tokens = o.usage.cached_tokens;
  r.cache_write_tokens = o.usage.cache_write_tokens;
  r.reasoning_tokens = o.usage.reasoning_tokens;
  r.usage_estimated = o.usage.estimated;
  r.cost_pico = o.cost.pico();
  r.insured = o.insured;
  r.waived_pico = o.waived.pico();
  r.total_ms = elapsed_ms();
  if (r.latency_ms) r.generation_ms = r.total_ms - *r.latency_ms;
  const int64_t now = services_.now_ms ? services_.now_ms() : db::now_unix_ms();
  r.created = now;
  settle_budget(services_.budget, *key_, hold_, o.cost, now);
  if (admission_ && services_.limiter)
    services_.limiter->finish(*admission_, o.usage.prompt_tokens + o.usage.completion_tokens);
  record_health(o);
  timings_.total_ns = to_ns(std::chrono::steady_clock::now() - start_);
  if (services_.metrics) services_.metrics->record(r, timings_, key_->settings().name);
  if (services_.access_log) services_.access_log->write(r, {key_->settings().name, client_ip_});
  if (services_.ledger) services_.ledger->push(std::move(record_));
}

void RequestLedger::record_health(const Outcome& o) {
  if (!served_ || !services_.health) return;
  AttemptOutcome outcome = served_outcome_;
  if (o.error && o.after_first_byte && !o.cancelled && !blames_request(o.error->kind)) {
    outcome.success = false;
    outcome.status = http_status(*o.error);
    outcome.error_kind = o.error->kind;
  }
  services_.health->record(*served_, outcome);
  // Throughput is measured on streams: a plain answer arrives all at once.
  if (record_.streamed && record_.status == 200 && record_.generation_ms > 0 && o.usage.completion_tokens > 0)
    services_.health->record_completion(*served_, o.usage.completion_tokens, record_.generation_ms);
}

}  // namespace switchyard::proxy
