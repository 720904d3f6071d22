#include "proxy/pipeline/completion.h"

#include "providers/json_writer.h"
#include "proxy/billing/pricing.h"
#include "proxy/http/client_channel.h"
#include "proxy/http/client_connection.h"
#include "proxy/http/error.h"
#include "proxy/pipeline/attempts.h"
#include "proxy/pipeline/budget.h"
#include "proxy/pipeline/drain.h"
#include "proxy/pipeline/duplicate_keys.h"
#include "proxy/pipeline/usage_estimate.h"

namespace switchyard::proxy {

namespace {

// `metadata` for clients that ask with X-Switchyard-Metadata / X-OpenRouter-Metadata:
// every attempt, who served, and how long each took.
std::string routing_metadata(const db::UsageRecord& r) {
  JsonWriter w;
  w.begin_object();
  w.field("generation_id", r.generation_id);
  w.field("provider", r.provider).field("upstream_model", r.upstream_model);
  w.key("attempts").begin_array();
  for (const auto& a : r.attempts) {
    w.begin_object().field("provider", a.provider).field("model", a.upstream_model).field("status", int64_t{a.status});
    if (a.latency_ms) w.field("latency_ms", *a.latency_ms);
    if (!a.error_message.empty()) w.field("error", a.error_message);
    w.end_object();
  }
  w.end_array().end_object();
  return w.take();
}

ResponseStart response_start(const RequestLedger& ledger, const Attempt& a, const httplib::Request& req) {
  ResponseStart s;
  s.id = ledger.generation_id();
  s.created = db::now_unix_ms() / 1000;
  s.model = a.model->id;
  s.provider = a.provider->name;
  if (header_or(req, "X-Switchyard-Metadata", "X-OpenRouter-Metadata") == "enabled")
    s.metadata_json = routing_metadata(ledger.record());
  return s;
}

// App attribution, as OpenRouter reads it.
void attribute(db::UsageRecord& r, const httplib::Request& req) {
  r.http_referer = header_or(req, "HTTP-Referer", "Referer");
  r.x_title = header_or(req, "X-Title", "X-OpenRouter-Title");
}

Error management_key_refused() {
  return Error{ErrorKind::forbidden, "Management keys can only call the admin API (/api/v1/keys, /api/v1/admin/...)",
               0, {}, 0};
}

// Rate limits, then the budget: both before anything goes upstream.
Result<void> admit(const PipelineServices& s, const Drain& d, const RoutePlan& plan, RequestLedger& ledger,
                   httplib::Response& res) {
  KeySettings settings = ledger.key()->settings();
  RateLimits limits = effective_limits(settings, d.catalog->config->rate_limits);
  if (limits.any() && s.limiter) {
    auto admission = s.limiter->admit(ledger.key()->key_hash, limits, estimate_prompt_tokens(*d.request));
    if (!admission) {
      if (s.metrics) s.metrics->rate_limited();
      return std::unexpected(admission.error());
    }
    for (const auto& [name, value] : rate_limit_headers(*admission)) res.set_header(name, value);
    ledger.admitted(std::move(*admission));
  }
  if (!settings.limit_pico) return {};
  auto held = reserve_budget(s.budget, *ledger.key(), worst_case_for(plan, *d.request), s.now_ms());
  if (!held) return std::unexpected(held.error());
  ledger.hold(*held);
  return {};
}

// Everything up to an opened attempt; nullptr once an error reply is written.
std::shared_ptr<Drain> prepare(const PipelineServices& s, const WireFormat& format, const httplib::Request& req,
                               httplib::Response& res) {
  auto ledger = std::make_shared<RequestLedger>(
      LedgerServices{s.ledger, s.health, s.limiter, s.metrics, s.now_ms, s.access_log, s.budget}, format.api());
  auto reject = [&](const Error& e) -> std::shared_ptr<Drain> {
    ledger->finish_error(e);
    send_error(res, e, format.error_body(e));
    return nullptr;
  };
  auto key = s.keys->authenticate(format.credentials(req));
  if (!key) return reject(key.error());  // no key: nothing to bill, no row
  ledger->set_key(*key);
  ledger->set_client_ip(req.remote_addr);
  attribute(ledger->record(), req);
  res.set_header("X-Generation-Id", ledger->generation_id());
  if ((*key)->settings().management) return reject(management_key_refused());

  if (auto dup = first_duplicate_key(req.body))
    return reject(Error{ErrorKind::invalid_argument, "Duplicate key in the request body: " + *dup, 0, {}, 0});
  auto parsed = format.parse(req.body);
  if (!parsed) return reject(parsed.error());
  auto d = std::make_shared<Drain>();
  d->request = std::make_shared<ChatRequest>(std::move(*parsed));
  ledger->record().model = d->request->model;
  ledger->record().streamed = d->request->stream;

  d->catalog = s.catalog->current();  // held to the end: a reload never changes it mid-request
  auto plan = d->catalog->router->plan(*d->request);
  if (!plan) return reject(plan.error());
  if (auto ok = admit(s, *d, *plan, *ledger, res); !ok) return reject(ok.error());
  d->sink = format.sink(*d->request);
  d->channel = std::make_shared<ClientChannel>(d->sink->keep_alive(), std::chrono::milliseconds(500),
                                               current_client_probe());
  auto opened = open_first_attempt(
      {&*plan, d->request.get(), s.health, [c = d->channel] { return c->keep_going(); }, d->catalog->config.get(),
       current_connection_fd()},
      *ledger);
  if (!opened) return reject(opened.error());
  ledger->first_byte();
  d->start = response_start(*ledger, opened->attempt, req);
  d->pricing = opened->attempt.price.pricing;
  d->insured_model = opened->attempt.model->zero_completion_insurance;
  if (opened->attempt.price.id > 0) ledger->record().price_id = opened->attempt.price.id;
  d->stream = std::move(opened->stream);
  d->first = std::move(opened->first);
  d->ledger = std::move(ledger);
  return d;
}

void reply_plain(Drain& d, const WireFormat& format, httplib::Response& res) {
  d.sink->start(d.start);
  DrainResult r = d.pull_all([&](const Event& e) { d.sink->on_event(e); return true; });
  if (r.failure && r.failure->kind == ErrorKind::cancelled) return d.finish(r, true);  // the client left
  if (r.failure) {
    // Nothing reached the client yet, so the failure is still an HTTP error; what the
    // upstream did produce is billed.
    d.finish(r, false);
    return send_error(res, *r.failure, format.error_body(*r.failure));
  }
  std::string body = d.sink->finish(ResponseEnd{r.usage, r.cost, std::nullopt});
  d.finish(r, false);
  send_json(res, std::move(body));
}

// Runs inside httplib's write loop, outside the handler's guard: nothing may escape it.
bool write_stream(Drain& d, httplib::DataSink& sink) {
  ClientChannel& client = *d.channel;
  client.attach(&sink);
  auto write = [&](const std::string& bytes) {
    auto started = std::chrono::steady_clock::now();
    bool ok = client.write(bytes);
    d.ledger->waited_on_client(std::chrono::steady_clock::now() - started);
    return ok;
  };
  bool alive = write(d.sink->start(d.start));
  DrainResult r = d.pull_all([&](const Event& e) { return alive && write(d.sink->on_event(e)); });
  bool gone = !alive || client.gone();
  // Queue the ledger row before the last bytes go out: a client that has read the whole
  // stream can then rely on the generation being recorded.
  d.finish(r, gone);
  if (!gone) {
    client.write(d.sink->finish(ResponseEnd{r.usage, r.cost, r.failure}));
    sink.done();
  }
  client.attach(nullptr);
  return !gone;
}

void reply_stream(std::shared_ptr<Drain> d, httplib::Response& res) {
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [d](size_t, httplib::DataSink& sink) {
        try {
          return write_stream(*d, sink);
        } catch (const std::exception& e) {
          d->finish_internal_error(std::string("internal error while streaming: ") + e.what());
          return false;
        }
      },
      // The provider never ran (the client left before the first write): still bill the
      // prompt and record the request.
      [d](bool) { d->finish_never_started(); });
}

}  // namespace

RateLimits effective_limits(const KeySettings& key, const RateLimitDefaults& defaults) {
  return RateLimits{key.rpm.value_or(defaults.rpm), key.tpm.value_or(defaults.tpm),
                    key.max_concurrent.value_or(defaults.max_concurrent)};
}

void run_completion(const PipelineServices& services, const WireFormat& format, const httplib::Request& req,
                    httplib::Response& res) {
  std::shared_ptr<Drain> d = prepare(services, format, req, res);
  if (!d) return;
  if (!d->sink->streaming()) return reply_plain(*d, format, res);
  reply_stream(std::move(d), res);
}

}  // namespace switchyard::proxy
