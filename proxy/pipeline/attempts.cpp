#include "proxy/pipeline/attempts.h"

#include <algorithm>

#include "proxy/pipeline/upstream_secrets.h"
#include "proxy/pipeline/usage_estimate.h"

namespace switchyard::proxy {

Result<int64_t> resolve_max_tokens(const ChatRequest& r, const EndpointConfig& e, int64_t prompt_estimate) {
  int64_t context = e.context_length;
  int64_t left = context - prompt_estimate;
  if (left < 1)
    return fail(ErrorKind::invalid_argument,
                "This model's maximum context length is " + std::to_string(context) +
                    " tokens, but the prompt is about " + std::to_string(prompt_estimate) + " tokens",
                "{\"param\":\"messages\"}");
  int64_t fallback = e.default_max_tokens > 0 ? e.default_max_tokens : e.max_completion_tokens > 0 ? e.max_completion_tokens : left;
  int64_t want = r.sampling.max_tokens.value_or(fallback);
  if (e.max_completion_tokens > 0) want = std::min(want, e.max_completion_tokens);
  return std::max<int64_t>(1, std::min(want, left));
}

namespace {

db::AttemptRecord failed_attempt(db::AttemptRecord rec, const Error& e) {
  rec.status = http_status(e);
  rec.error_kind = error_kind_name(e.kind);
  rec.error_message = e.message;
  return rec;
}

AttemptOutcome failure_outcome(const Error& e, int64_t ttft_ms) {
  AttemptOutcome o;
  o.ttft_ms = ttft_ms;
  o.status = http_status(e);
  o.error_kind = e.kind;
  o.counts_as_failure = !blames_request(e.kind);
  o.retry_after_seconds = e.kind == ErrorKind::rate_limited ? e.retry_after_seconds : 0;
  return o;
}

// The first event of one attempt; a stream that ends without one is an upstream error.
Event first_event(EventStream* stream) {
  std::optional<Event> first = stream ? stream->next() : std::nullopt;
  if (first) return std::move(*first);
  Event e;
  e.kind = EventKind::error;
  e.error = Error{ErrorKind::upstream_error, "Upstream closed the stream without an answer", 0, {}, 0};
  return e;
}

// Every endpoint is cooling down: say when to come back.
Error all_cooling_down(int64_t soonest_ms) {
  return Error{ErrorKind::no_route, "Every endpoint for this model is temporarily unavailable (cooling down after failures)",
               0, {}, static_cast<int>(std::max<int64_t>(1, (soonest_ms + 999) / 1000))};
}

}  // namespace

Result<OpenedAttempt> open_first_attempt(const AttemptParams& p, RequestLedger& ledger) {
  Error last{ErrorKind::no_route, "No usable endpoint", 0, {}, 0};
  int index = 0;
  int64_t soonest_retry_ms = -1;
  const ModelConfig* given_up = nullptr;
  const int64_t prompt_estimate = estimate_prompt_tokens(*p.request);
  for (const Attempt& a : p.plan->attempts) {
    if (a.model == given_up) continue;
    EndpointId id = a.id();
    if (!p.health->admit(id)) {
      int64_t wait = std::max<int64_t>(0, p.health->health(id).cooldown_until_ms - db::now_unix_ms());
      if (soonest_retry_ms < 0 || wait < soonest_retry_ms) soonest_retry_ms = wait;
      continue;
    }
    auto started = std::chrono::steady_clock::now();
    db::AttemptRecord rec;
    rec.attempt = index++;
    rec.provider = a.provider->name;
    rec.upstream_model = a.endpoint->upstream_model;
    rec.created = db::now_unix_ms();
    auto max_tokens = resolve_max_tokens(*p.request, *a.endpoint, prompt_estimate);
    if (!max_tokens) {  // another endpoint may have a longer context
      last = max_tokens.error();
      ledger.record().attempts.push_back(failed_attempt(std::move(rec), last));
      continue;
    }
    OpenParams params{p.request, a.endpoint, a.provider, *max_tokens, p.keep_going, p.client_fd};
    std::unique_ptr<EventStream> stream = a.impl->open(params);
    Event first = first_event(stream.get());
    ledger.waited_on_upstream(std::chrono::steady_clock::now() - started);
    const int64_t latency_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    rec.latency_ms = latency_ms;
    if (first.kind == EventKind::error) {
      last = clean_upstream_error(std::move(first.error), p.config);
      if (last.kind == ErrorKind::cancelled) {
        // The client left: not the endpoint's fault, and nobody is waiting for another try.
        ledger.record().attempts.push_back(failed_attempt(std::move(rec), last));
        return std::unexpected(last);
      }
      ledger.record().attempts.push_back(failed_attempt(std::move(rec), last));
      p.health->record(id, failure_outcome(last, latency_ms));
      if (!is_retryable(last.kind)) given_up = a.model;
      continue;
    }
    AttemptOutcome ok;
    ok.success = true;
    ok.status = 200;
    ok.ttft_ms = latency_ms;
    rec.status = 200;
    ledger.record().attempts.push_back(std::move(rec));
    ledger.served(id, ok);  // recorded when the response ends (RequestLedger::finish)
    return OpenedAttempt{std::move(stream), std::move(first), a};
  }
  if (index == 0 && soonest_retry_ms >= 0) last = all_cooling_down(soonest_retry_ms);
  return std::unexpected(last);
}

}  // namespace switchyard::proxy
