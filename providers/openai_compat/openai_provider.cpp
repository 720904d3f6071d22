#include "providers/openai_compat/openai_provider.h"

#include <deque>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "providers/json_writer.h"
#include "providers/http/transfer.h"
#include "providers/openai_compat/request_body.h"
#include "providers/openai_compat/response_parser.h"
#include "providers/http/sse_parser.h"

namespace switchyard::providers::openai_compat {

using http::SseEvent;
using http::SseParser;
using http::Transfer;
using http::TransferParams;

namespace {

constexpr size_t kMaxErrorBodyBytes = 64 * 1024;  // enough for any real error JSON
constexpr auto kDrainBudget = std::chrono::milliseconds(100);

Event error_event(Error e) {
  Event ev;
  ev.kind = EventKind::error;
  ev.error = std::move(e);
  return ev;
}

// A stream that failed before anything was sent.
class FailedStream final : public EventStream {
 public:
  explicit FailedStream(Error e) : event_(error_event(std::move(e))) {}
  std::optional<Event> next() override {
    if (!event_) return std::nullopt;
    return std::exchange(event_, std::nullopt);
  }

 private:
  std::optional<Event> event_;
};

class OpenAiStream final : public EventStream {
 public:
  OpenAiStream(std::unique_ptr<Transfer> transfer, bool chat, std::string provider_name, ProviderLimits limits)
      : transfer_(std::move(transfer)),
        parser_(chat, provider_name),
        sse_(limits.max_sse_buffer_bytes),
        provider_name_(std::move(provider_name)),
        limits_(limits) {}

  std::optional<Event> next() override {
    try {
      for (;;) {
        if (!queue_.empty()) {
          Event e = std::move(queue_.front());
          queue_.pop_front();
          if (!id_given_ && !upstream_id_.empty()) {
            e.upstream_id = upstream_id_;
            id_given_ = true;
          }
          return e;
        }
        if (finished_) {
          // Let the last bytes (the terminating chunk) arrive so the connection is reused.
          if (transfer_) transfer_->drain(kDrainBudget);
          transfer_.reset();
          return std::nullopt;
        }
        pump();
      }
    } catch (const std::exception& ex) {
      transfer_.reset();
      finished_ = true;
      queue_.clear();
      return error_event(Error{ErrorKind::internal, std::string("openai_compat stream: ") + ex.what(), 0, {}, 0});
    }
  }

 private:
  enum class Mode { pending, json, sse, error_body };

  void pump() {
    std::string bytes;
    auto step = transfer_->read(bytes);
    if (!step) return on_transport_error(step.error());
    if (!bytes.empty()) on_bytes(bytes);
    if (!finished_ && *step == Transfer::Step::done) on_end();
  }

  Mode decide_mode() const {
    const long status = transfer_->status();
    if (status < 200 || status >= 300) return Mode::error_body;
    // Decided by what the upstream sent, not what we asked for: some answer a stream
    // request with one JSON body.
    return transfer_->header("content-type").find("text/event-stream") != std::string::npos ? Mode::sse : Mode::json;
  }

  void on_bytes(std::string_view bytes) {
    if (mode_ == Mode::pending) mode_ = decide_mode();
    switch (mode_) {
      case Mode::error_body:
        body_.append(bytes.substr(0, kMaxErrorBodyBytes - std::min(kMaxErrorBodyBytes, body_.size())));
        return;
      case Mode::json:
        if (body_.size() + bytes.size() > limits_.max_response_bytes)
          return fail(bad_response("upstream response exceeds " + std::to_string(limits_.max_response_bytes) + " bytes"));
        body_.append(bytes);
        return;
      case Mode::sse: {
        sse_events_.clear();
        const bool ok = sse_.feed(bytes, sse_events_);
        for (const auto& ev : sse_events_) {
          if (finished_) return;
          on_sse_event(ev.data);
        }
        if (!ok && !finished_) fail(bad_response("malformed upstream event stream: " + sse_.error()));
        return;
      }
      case Mode::pending:
        return;
    }
  }

  void on_sse_event(std::string_view data) {
    while (!data.empty() && (data.front() == ' ' || data.front() == '\t')) data.remove_prefix(1);
    while (!data.empty() && (data.back() == ' ' || data.back() == '\t')) data.remove_suffix(1);
    if (data.empty()) return;
    if (data == "[DONE]") return finish();
    ParsedDocument doc = parser_.parse_chunk(data);
    if (!doc.malformed.empty()) return fail(bad_response("upstream sent a malformed stream chunk: " + doc.malformed, data));
    if (doc.error) return fail(*doc.error);
    take(doc);
  }

  void on_end() {
    if (mode_ == Mode::pending) mode_ = decide_mode();
    switch (mode_) {
      case Mode::error_body:
        return fail(upstream_http_error(provider_name_, transfer_->status(), body_, transfer_->header("retry-after")));
      case Mode::json: {
        if (body_.empty()) return fail(bad_response("upstream returned an empty body"));
        ParsedDocument doc = parser_.parse_response(body_);
        if (!doc.malformed.empty()) {
          std::string type = transfer_->header("content-type");
          return fail(bad_response("upstream returned a non-JSON body (" + (type.empty() ? "no content-type" : type) +
                                   "): " + doc.malformed));
        }
        if (doc.error) return fail(*doc.error);
        if (doc.events.empty()) return fail(bad_response("upstream response has no choices"));
        take(doc);
        return finish();
      }
      case Mode::sse:
        // A finish_reason means the answer is whole even if [DONE] went missing.
        if (saw_finish_) return finish();
        return fail(bad_response("upstream stream ended without [DONE] or a finish_reason (truncated)"));
      case Mode::pending:
        return;
    }
  }

  void on_transport_error(Error e) {
    if (mode_ == Mode::error_body || (mode_ == Mode::pending && transfer_->status() >= 300))
      return fail(upstream_http_error(provider_name_, transfer_->status(), body_, transfer_->header("retry-after")));
    if (mode_ == Mode::sse && saw_finish_ && e.kind != ErrorKind::timeout) return finish();
    if (e.metadata_json.empty()) {
      JsonWriter w;
      e.metadata_json = w.begin_object().field("provider_name", provider_name_).end_object().take();
    }
    fail(std::move(e));
  }

  void take(ParsedDocument& doc) {
    if (upstream_id_.empty()) upstream_id_ = std::move(doc.id);
    for (auto& e : doc.events) {
      if (e.kind == EventKind::finish) saw_finish_ = true;
      queue_.push_back(std::move(e));
    }
    if (doc.usage) usage_ = doc.usage;  // the last report wins; emitted once at the end
  }

  Error bad_response(std::string message, std::string_view raw = {}) const {
    return upstream_bad_response(provider_name_, transfer_ ? transfer_->status() : 0, std::move(message),
                                 raw.empty() ? std::string_view(body_) : raw);
  }

  void push_usage() {
    if (!usage_) return;
    Event e;
    e.kind = EventKind::usage;
    e.usage = *usage_;
    queue_.push_back(std::move(e));
    usage_.reset();
  }

  void finish() {
    push_usage();
    finished_ = true;
  }

  // Usage reported so far still counts; the error is the last event.
  void fail(Error e) {
    push_usage();
    queue_.push_back(error_event(std::move(e)));
    finished_ = true;
    transfer_.reset();  // cancels the transfer now
  }

  std::unique_ptr<Transfer> transfer_;
  ResponseParser parser_;
  SseParser sse_;
  std::string provider_name_;
  ProviderLimits limits_;
  Mode mode_ = Mode::pending;
  std::string body_;  // json or error body, bounded
  std::vector<SseEvent> sse_events_;
  std::deque<Event> queue_;
  std::optional<Usage> usage_;
  std::string upstream_id_;
  bool id_given_ = false;
  bool saw_finish_ = false;
  bool finished_ = false;
};

bool header_safe(const std::string& s) { return s.find_first_of("\r\n") == std::string::npos; }

int64_t or_unlimited(int64_t ms) { return ms > 0 ? ms : int64_t{24} * 3600 * 1000; }

}  // namespace

std::unique_ptr<EventStream> OpenAiCompatProvider::open(const OpenParams& params) {
  try {
    if (!params.request || !params.endpoint || !params.provider)
      return std::make_unique<FailedStream>(Error{ErrorKind::internal, "openai_compat: open() without request, endpoint or provider", 0, {}, 0});
    const ProviderConfig& cfg = *params.provider;
    const ChatRequest& req = *params.request;
    std::string base = cfg.base_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (base.empty())
      return std::make_unique<FailedStream>(Error{ErrorKind::internal, "provider " + cfg.name + " has no base_url", 0, {}, 0});

    TransferParams tp;
    tp.url = base + (req.is_completion ? "/completions" : "/chat/completions");
    tp.headers.push_back("Content-Type: application/json");
    tp.headers.push_back(req.stream ? "Accept: text/event-stream" : "Accept: application/json");
    if (!cfg.api_key.empty() && header_safe(cfg.api_key)) tp.headers.push_back("Authorization: Bearer " + cfg.api_key);
    for (const auto& [name, value] : cfg.headers)
      if (!name.empty() && header_safe(name) && header_safe(value) && name.find(':') == std::string::npos)
        tp.headers.push_back(name + ": " + value);
    tp.body = build_request_body(params);
    tp.keep_going = params.keep_going;
    tp.wake_fd = params.client_fd;
    tp.connect_timeout_ms = or_unlimited(cfg.connect_timeout_ms);
    tp.first_byte_timeout_ms = or_unlimited(cfg.first_byte_timeout_ms);
    tp.idle_timeout_ms = or_unlimited(cfg.idle_timeout_ms);
    tp.total_timeout_ms = or_unlimited(cfg.total_timeout_ms);
    // Backstop for bytes not yet pulled; the JSON body cap is enforced by the stream.
    tp.max_unread_bytes = limits_.max_response_bytes + (size_t{1} << 20);

    auto transfer = Transfer::start(std::move(tp));
    if (!transfer) return std::make_unique<FailedStream>(transfer.error());
    return std::make_unique<OpenAiStream>(std::move(*transfer), !req.is_completion, cfg.name, limits_);
  } catch (const std::exception& ex) {
    return std::make_unique<FailedStream>(Error{ErrorKind::internal, std::string("openai_compat: ") + ex.what(), 0, {}, 0});
  }
}

}  // namespace switchyard::providers::openai_compat
