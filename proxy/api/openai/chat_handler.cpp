// POST /v1/chat/completions and /v1/completions: auth → limits → normalize → route →
// attempts until one yields its first event → JSON body or SSE → ledger (DESIGN.md §1).
#include "proxy/api/openai/chat_handler.h"

#include <chrono>
#include <cstdio>
#include <random>

#include "providers/json_writer.h"
#include "proxy/http/error.h"
#include "proxy/api/openai/normalize.h"
#include "proxy/api/openai/response_builder.h"

namespace switchyard::proxy {

namespace {

using Clock = std::chrono::steady_clock;

int64_t ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}
int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// OpenRouter-style ids: gen-<unix seconds>-<20 random alphanumerics>.
std::string new_generation_id() {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id = "gen-" + std::to_string(unix_ms() / 1000) + "-";
  for (int i = 0; i < 20; ++i) id += alphabet[rng() % (sizeof alphabet - 1)];
  return id;
}

void write_error(httplib::Response& res, const Error& e) {
  res.status = http_status(e);
  if (e.retry_after_seconds > 0) res.set_header("Retry-After", std::to_string(e.retry_after_seconds));
  res.set_content(error_body(e), kJsonContentType);
}

// Failures that say nothing about the request itself: try the next endpoint.
bool is_retryable(const Error& e) {
  switch (e.kind) {
    case ErrorKind::upstream_error:
    case ErrorKind::upstream_unavailable:
    case ErrorKind::timeout:
    case ErrorKind::rate_limited:
    case ErrorKind::no_route:
    case ErrorKind::internal: return true;
    default: return false;
  }
}

// The completion budget: what the client asked (or the endpoint's cap), never more than
// the context left after the prompt.
Result<int64_t> resolve_max_tokens(const ChatRequest& r, const EndpointConfig& e, int64_t prompt_estimate) {
  int64_t context = e.context_length;
  int64_t left = context - prompt_estimate;
  if (left < 1)
    return fail(ErrorKind::invalid_argument,
                "This model's maximum context length is " + std::to_string(context) +
                    " tokens, but the prompt is about " + std::to_string(prompt_estimate) + " tokens",
                "{\"param\":\"messages\"}");
  int64_t want = r.sampling.max_tokens.value_or(e.max_completion_tokens > 0 ? e.max_completion_tokens : left);
  if (e.max_completion_tokens > 0) want = std::min(want, e.max_completion_tokens);
  return std::max<int64_t>(1, std::min(want, left));
}

// The client side of a streaming response, as the providers see it through keep_going.
// While the upstream is silent, an SSE comment every 500 ms keeps proxies between us and
// the client from timing out and is how we learn the client left (a write fails): the
// provider then cancels its upstream transfer or local generation.
struct ClientChannel {
  httplib::DataSink* sink = nullptr;  // set while the content provider runs
  bool gone = false;
  Clock::time_point last_write = Clock::now();

  bool write(const std::string& bytes) {
    if (gone || !sink) return false;
    if (!sink->write(bytes.data(), bytes.size())) gone = true;
    last_write = Clock::now();
    return !gone;
  }
  bool keep_going() {
    if (gone) return false;
    if (!sink || Clock::now() - last_write < std::chrono::milliseconds(500)) return true;
    static const std::string comment = ": keep-alive\n\n";
    return write(comment);
  }
};

// Errors caused by the request itself say nothing about the endpoint's health.
bool blames_request(ErrorKind k) {
  return k == ErrorKind::invalid_argument || k == ErrorKind::payload_too_large || k == ErrorKind::unprocessable ||
         k == ErrorKind::cancelled;
}

// Everything one request accumulates for its ledger row.
struct Generation {
  db::UsageRecord record;
  std::shared_ptr<KeyEntry> key;
  Clock::time_point start = Clock::now();
  std::optional<EndpointId> served;  // the endpoint that answered
  // Its outcome is recorded once the response ends: a stream that breaks after its first
  // byte is a failure of that endpoint too.
  std::optional<AttemptOutcome> served_outcome;
  std::optional<Error> failure_after_first_byte;
};

void finish_record(App& app, Generation& g, const Usage& usage, billing::Picodollars cost) {
  g.record.prompt_tokens = usage.prompt_tokens;
  g.record.completion_tokens = usage.completion_tokens;
  g.record.cached_tokens = usage.cached_tokens;
  g.record.cache_write_tokens = usage.cache_write_tokens;
  g.record.usage_estimated = usage.estimated;
  g.record.cost_pico = cost.pico();
  g.record.total_ms = ms_since(g.start);
  if (g.record.latency_ms) g.record.generation_ms = g.record.total_ms - *g.record.latency_ms;
  if (g.key) KeyTable::add_usage(*g.key, cost.pico());
  if (g.served && g.served_outcome) {
    AttemptOutcome o = *g.served_outcome;
    if (g.failure_after_first_byte && !blames_request(g.failure_after_first_byte->kind)) {
      o.success = false;
      o.status = http_status(*g.failure_after_first_byte);
      o.error_kind = g.failure_after_first_byte->kind;
    }
    app.health().record(*g.served, o);
  }
  // Throughput is measured on streams: a plain answer arrives all at once.
  if (g.served && g.record.streamed && g.record.status == 200 && g.record.generation_ms > 0 &&
      usage.completion_tokens > 0)
    app.health().record_completion(*g.served, usage.completion_tokens, g.record.generation_ms);
  if (!app.quiet())
    std::fprintf(stderr, "%s %s %s/%s status=%d tokens=%lld+%lld cost=$%s %lldms%s%s\n", g.record.generation_id.c_str(),
                 g.record.model.c_str(), g.record.provider.c_str(), g.record.upstream_model.c_str(), g.record.status,
                 static_cast<long long>(usage.prompt_tokens), static_cast<long long>(usage.completion_tokens),
                 billing::usd_string(cost).c_str(), static_cast<long long>(g.record.total_ms),
                 g.record.streamed ? " stream" : "", g.record.cancelled ? " cancelled" : "");
  app.ledger().push(std::move(g.record));
}

// Usage as reported, or estimated from what we saw when the upstream sent none.
Usage final_usage(const std::optional<Usage>& reported, const ChatRequest& r, size_t generated_bytes) {
  if (reported) return *reported;
  Usage u;
  u.prompt_tokens = estimate_prompt_tokens(r);
  u.completion_tokens = estimate_tokens(generated_bytes);
  u.estimated = true;
  return u;
}

// A stream that has yielded its first (non-error) event, with the attempt that serves.
struct Opened {
  std::unique_ptr<EventStream> stream;
  Event first;
  Attempt attempt;
};

// Tries each attempt in order until one yields a first event that is not an error.
// Endpoints cooling down (open circuit, Retry-After) are skipped; every attempt made is
// recorded in the health tracker and in the ledger row.
Result<Opened> open_first(App& app, const RoutePlan& plan, const ChatRequest& request, Generation& g,
                          int64_t prompt_estimate, const std::shared_ptr<ClientChannel>& channel) {
  Error last{ErrorKind::no_route, "No usable endpoint", 0, {}, 0};
  int index = 0;
  int64_t soonest_retry_ms = -1;
  bool any_tried = false;
  const ModelConfig* given_up = nullptr;  // a request-caused error ends that model's attempts
  for (const Attempt& a : plan.attempts) {
    if (a.model == given_up) continue;
    EndpointId id = a.id();
    if (!app.health().admit(id)) {
      EndpointHealth h = app.health().health(id);
      int64_t wait = std::max<int64_t>(0, h.cooldown_until_ms - unix_ms());
      if (soonest_retry_ms < 0 || wait < soonest_retry_ms) soonest_retry_ms = wait;
      continue;
    }
    any_tried = true;
    auto attempt_start = Clock::now();
    db::AttemptRecord rec;
    rec.attempt = index++;
    rec.provider = a.provider->name;
    rec.upstream_model = a.endpoint->upstream_model;
    rec.created = unix_ms();

    auto max_tokens = resolve_max_tokens(request, *a.endpoint, prompt_estimate);
    if (!max_tokens) {
      last = max_tokens.error();
      rec.status = http_status(last);
      rec.error_kind = error_kind_name(last.kind);
      rec.error_message = last.message;
      g.record.attempts.push_back(std::move(rec));
      continue;  // another endpoint may have a longer context
    }
    OpenParams params{&request, a.endpoint, a.provider, *max_tokens, [channel] { return channel->keep_going(); }};
    std::unique_ptr<EventStream> stream = a.impl->open(params);
    std::optional<Event> first = stream ? stream->next() : std::nullopt;
    if (!first) {
      first = Event{};
      first->kind = EventKind::error;
      first->error = Error{ErrorKind::upstream_error, "Upstream closed the stream without an answer", 0, {}, 0};
    }
    rec.latency_ms = ms_since(attempt_start);
    AttemptOutcome outcome;
    outcome.ttft_ms = *rec.latency_ms;
    if (first->kind == EventKind::error) {
      last = first->error;
      rec.status = http_status(last);
      rec.error_kind = error_kind_name(last.kind);
      rec.error_message = last.message;
      g.record.attempts.push_back(std::move(rec));
      outcome.status = http_status(last);
      outcome.error_kind = last.kind;
      outcome.counts_as_failure = !blames_request(last.kind);
      outcome.retry_after_seconds = last.kind == ErrorKind::rate_limited ? last.retry_after_seconds : 0;
      app.health().record(id, outcome);
      // Other endpoints would refuse the same request; the next model (`models`) may not.
      if (!is_retryable(last)) given_up = a.model;
      continue;
    }
    rec.status = 200;
    g.record.attempts.push_back(std::move(rec));
    outcome.success = true;
    outcome.status = 200;
    g.served_outcome = outcome;  // recorded when the response ends (finish_record)
    return Opened{std::move(stream), std::move(*first), a};
  }
  if (!any_tried && soonest_retry_ms >= 0) {
    // Every endpoint is cooling down: say when to come back.
    last = Error{ErrorKind::no_route, "Every endpoint for this model is temporarily unavailable (cooling down after failures)",
                 0, {}, static_cast<int>(std::max<int64_t>(1, (soonest_retry_ms + 999) / 1000))};
  }
  return std::unexpected(last);
}

// `metadata` for clients that ask with X-Switchyard-Metadata / X-OpenRouter-Metadata:
// every attempt, who served, and how long each took.
std::string routing_metadata(const Generation& g) {
  JsonWriter w;
  w.begin_object();
  w.field("generation_id", g.record.generation_id);
  w.field("provider", g.record.provider).field("upstream_model", g.record.upstream_model);
  w.key("attempts").begin_array();
  for (const auto& a : g.record.attempts) {
    w.begin_object().field("provider", a.provider).field("model", a.upstream_model).field("status", int64_t{a.status});
    if (a.latency_ms) w.field("latency_ms", *a.latency_ms);
    if (!a.error_message.empty()) w.field("error", a.error_message);
    w.end_object();
  }
  w.end_array().end_object();
  return w.take();
}

std::string header_or(const httplib::Request& req, const char* name, const char* fallback = nullptr) {
  if (req.has_header(name)) return req.get_header_value(name);
  if (fallback && req.has_header(fallback)) return req.get_header_value(fallback);
  return {};
}

// A streaming response after its status was committed.
struct StreamState {
  std::unique_ptr<EventStream> stream;
  std::optional<Event> first;
  std::shared_ptr<ChatRequest> request;
  std::shared_ptr<ClientChannel> channel;
  ResponseMeta meta;
  billing::Pricing pricing;
  bool finished = false;  // ledger row pushed
};

// Pulls every event of a committed stream and writes it as SSE; records the ledger row.
// Returns false when the client went away.
bool write_stream(StreamState& state, Generation& generation, App& app, httplib::DataSink& sink) {
  StreamState* st = &state;
  Generation* g = &generation;
  ClientChannel& client = *st->channel;
  client.sink = &sink;
  auto send = [&](const std::string& payload) { return client.write("data: " + payload + "\n\n"); };
  std::optional<Usage> reported;
  size_t generated = 0;
  bool client_gone = false;
  std::optional<Error> failure;
  std::optional<Event> ev = std::move(st->first);
  for (; ev; ev = st->stream->next()) {
    if (ev->kind == EventKind::error) {
      failure = ev->error;
      break;
    }
    if (ev->kind == EventKind::usage) {
      reported = ev->usage;
      continue;
    }
    if (ev->kind == EventKind::content) generated += ev->text.size();
    if (ev->kind == EventKind::tool_call) generated += ev->tool_call.arguments.size() + ev->tool_call.name.size();
    if (ev->kind == EventKind::finish) {
      g->record.finish_reason = ev->finish_reason;
      g->record.native_finish_reason = ev->native_finish_reason;
    }
    std::string payload = chunk_json(st->meta, *ev);
    if (!payload.empty() && !send(payload)) {
      client_gone = true;
      break;
    }
  }
  if (client.gone) client_gone = true;  // noticed by a keep-alive inside next()
  // Destroying the stream cancels the upstream transfer or the local generation.
  st->stream.reset();
  Usage usage = final_usage(reported, *st->request, generated);
  billing::Picodollars cost = billing::cost_of(usage, st->pricing);
  if (client_gone) {
    g->record.cancelled = true;
    g->record.status = 499;
  } else if (failure) {
    g->failure_after_first_byte = failure;
    g->record.finish_reason = "error";
    g->record.error_message = failure->message;
    g->record.status = http_status(*failure);
  }
  // Queue the ledger row before the last bytes go out: a client that has read the
  // whole stream can then rely on the generation being recorded.
  st->finished = true;
  finish_record(app, *g, usage, cost);
  if (!client_gone) {
    if (failure) send(error_chunk_json(st->meta, *failure));
    send(usage_chunk_json(st->meta, usage, cost));
    client.write("data: [DONE]\n\n");
    sink.done();
  }
  client.sink = nullptr;
  return !client_gone;
}

}  // namespace

void handle_chat(App& app, const httplib::Request& req, httplib::Response& res, const ChatEndpointOptions& opts) {
  auto g = std::make_shared<Generation>();
  g->record.http_referer = header_or(req, "HTTP-Referer", "Referer");
  g->record.x_title = header_or(req, "X-Title", "X-OpenRouter-Title");

  auto key = app.keys().authenticate(header_or(req, "Authorization"));
  if (!key) return write_error(res, key.error());
  g->key = *key;
  g->record.key_hash = g->key->key_hash;
  g->record.generation_id = new_generation_id();
  res.set_header("X-Generation-Id", g->record.generation_id);

  // From here on every outcome is recorded, failures included (cost 0).
  auto reject = [&](const Error& e) {
    g->record.status = http_status(e);
    g->record.error_message = e.message;
    finish_record(app, *g, Usage{}, billing::kZeroCost);
    write_error(res, e);
  };

  if (auto ok = KeyTable::check_limit(*g->key); !ok) return reject(ok.error());

  NormalizeOptions nopts;
  nopts.completion_endpoint = opts.completion;
  auto request_result = normalize_chat_request(req.body, nopts);
  if (!request_result) return reject(request_result.error());
  auto request = std::make_shared<ChatRequest>(std::move(*request_result));
  g->record.model = request->model;
  g->record.streamed = request->stream;

  auto plan = app.router().plan(*request);
  if (!plan) return reject(plan.error());

  int64_t prompt_estimate = estimate_prompt_tokens(*request);
  auto channel = std::make_shared<ClientChannel>();
  auto opened = open_first(app, *plan, *request, *g, prompt_estimate, channel);
  if (!opened) {
    if (!g->record.attempts.empty()) {
      g->record.provider = g->record.attempts.back().provider;
      g->record.upstream_model = g->record.attempts.back().upstream_model;
    }
    return reject(opened.error());
  }
  g->record.latency_ms = ms_since(g->start);
  g->record.provider = opened->attempt.provider->name;
  g->record.upstream_model = opened->attempt.endpoint->upstream_model;
  g->record.model = opened->attempt.model->id;

  ResponseMeta meta;
  meta.id = g->record.generation_id;
  meta.created = unix_ms() / 1000;
  meta.model = opened->attempt.model->id;
  meta.provider = opened->attempt.provider->name;
  meta.is_completion = request->is_completion;
  g->served = opened->attempt.id();
  if (header_or(req, "X-Switchyard-Metadata", "X-OpenRouter-Metadata") == "enabled")
    meta.metadata_json = routing_metadata(*g);
  const billing::Pricing pricing = opened->attempt.endpoint->pricing;

  if (!request->stream) {
    ResponseCollector collector;
    std::optional<Usage> reported;
    std::optional<Error> failure;
    std::optional<Event> ev = std::move(opened->first);
    for (; ev; ev = opened->stream->next()) {
      if (ev->kind == EventKind::error) {
        failure = ev->error;
        break;
      }
      if (ev->kind == EventKind::usage) reported = ev->usage;
      collector.add(*ev);
    }
    opened->stream.reset();
    Usage usage = final_usage(reported, *request, collector.generated_chars());
    billing::Picodollars cost = billing::cost_of(usage, pricing);
    if (failure) {
      g->failure_after_first_byte = failure;
      // Nothing reached the client yet, so the failure is still an HTTP error; what the
      // upstream did produce is billed.
      g->record.status = http_status(*failure);
      g->record.error_message = failure->message;
      g->record.finish_reason = "error";
      finish_record(app, *g, usage, cost);
      return write_error(res, *failure);
    }
    g->record.status = 200;
    g->record.finish_reason = collector.finish_reason();
    g->record.native_finish_reason = collector.native_finish_reason();
    res.status = 200;
    res.set_content(collector.to_json(meta, usage, cost), kJsonContentType);
    finish_record(app, *g, usage, cost);
    return;
  }

  // Streaming: the status is committed now; later failures become an in-stream error chunk.
  auto st = std::make_shared<StreamState>();
  st->stream = std::move(opened->stream);
  st->first = std::move(opened->first);
  st->request = request;
  st->channel = channel;
  st->meta = meta;
  st->pricing = pricing;
  g->record.status = 200;

  App* appp = &app;
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [st, g, appp](size_t, httplib::DataSink& sink) {
        // This runs inside httplib's write loop, outside the handler's guard: nothing may
        // escape it. On a stray exception the stream still ends and the row is recorded.
        try {
          return write_stream(*st, *g, *appp, sink);
        } catch (const std::exception& e) {
          if (!st->finished) {
            st->finished = true;
            st->stream.reset();
            g->record.status = 500;
            g->record.error_message = std::string("internal error while streaming: ") + e.what();
            finish_record(*appp, *g, final_usage(std::nullopt, *st->request, 0), billing::kZeroCost);
          }
          return false;
        }
      },
      [st, g, appp](bool) {
        // The provider never ran (client gone before the first write): still bill and record.
        if (st->finished) return;
        st->finished = true;
        st->stream.reset();
        g->record.cancelled = true;
        g->record.status = 499;
        Usage usage = final_usage(std::nullopt, *st->request, 0);
        usage.completion_tokens = 0;
        finish_record(*appp, *g, usage, billing::cost_of(usage, st->pricing));
      });
}

}  // namespace switchyard::proxy
