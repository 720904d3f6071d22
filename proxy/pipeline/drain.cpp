#include "proxy/pipeline/drain.h"

#include "proxy/pipeline/usage_estimate.h"

namespace switchyard::proxy {

DrainResult Drain::pull_all(const std::function<bool(const Event&)>& deliver) {
  DrainResult r;
  std::optional<Usage> reported;
  size_t generated = 0;
  auto next = [&] {
    auto started = std::chrono::steady_clock::now();
    std::optional<Event> e = stream->next();
    ledger->waited_on_upstream(std::chrono::steady_clock::now() - started);
    return e;
  };
  for (std::optional<Event> ev = std::move(first); ev; ev = next()) {
    if (ev->kind == EventKind::error) {
      r.failure = ev->error;
      break;
    }
    if (ev->kind == EventKind::usage) {
      reported = ev->usage;
      continue;
    }
    generated += generated_bytes(*ev);
    if (ev->kind == EventKind::finish && ev->choice_index == 0) {
      r.finish_reason = ev->finish_reason;
      r.native_finish_reason = ev->native_finish_reason;
    }
    if (!deliver(*ev)) break;
  }
  first.reset();
  r.usage = reported ? *reported : abandoned_usage(stream->partial_usage(), *request, generated);
  stream.reset();  // cancels the upstream transfer or the local generation
  billing::Charge charge = billing::charge_for(r.usage, pricing, insured_model, r.failure.has_value());
  r.cost = charge.cost;
  r.waived = charge.waived;
  r.insured = charge.insured;
  return r;
}

void Drain::finish(const DrainResult& r, bool client_gone) {
  Outcome o;
  o.usage = r.usage;
  o.cost = r.cost;
  o.waived = r.waived;
  o.insured = r.insured;
  o.cancelled = client_gone;
  o.finish_reason = r.finish_reason;
  o.native_finish_reason = r.native_finish_reason;
  if (r.failure && !client_gone) {
    o.error = r.failure;
    o.after_first_byte = true;
    o.status = http_status(*r.failure);
  }
  ledger->finish(o);
}

void Drain::finish_internal_error(const std::string& message) {
  if (ledger->finished()) return;
  Outcome o;
  o.status = 500;
  o.usage = abandoned_usage(stream ? stream->partial_usage() : PartialUsage{}, *request, 0);
  stream.reset();
  o.error = Error{ErrorKind::internal, message, 0, {}, 0};
  ledger->finish(o);
}

void Drain::finish_never_started() {
  if (ledger->finished()) return;
  Outcome o;
  o.cancelled = true;
  PartialUsage counted = stream ? stream->partial_usage() : PartialUsage{};
  counted.completion_tokens = 0;  // nothing was delivered
  o.usage = abandoned_usage(counted, *request, 0);
  stream.reset();
  billing::Charge charge = billing::charge_for(o.usage, pricing, insured_model, false);
  o.cost = charge.cost;
  o.waived = charge.waived;
  o.insured = charge.insured;
  ledger->finish(o);
}

}  // namespace switchyard::proxy
