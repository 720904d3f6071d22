#include "providers/anthropic/anthropic_provider.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <deque>

#include "providers/anthropic/request_translation.h"
#include "providers/anthropic/response_translation.h"
#include "providers/anthropic/stream_translator.h"
#include "providers/json_writer.h"
#include "providers/http/transfer.h"
#include "providers/http/sse_parser.h"

namespace switchyard::anthropic {
namespace {

using providers::http::Transfer;
using providers::http::TransferParams;

// An error body is only kept for the message and metadata; a plain answer can be large
// (long outputs, big tool inputs) but not unbounded.
constexpr size_t kMaxErrorBody = size_t{64} << 10;
constexpr size_t kMaxMessageBody = size_t{32} << 20;
// After message_stop the chunked terminator is normally already in flight; waiting a
// moment for it lets the connection go back to the pool instead of being closed.
constexpr auto kDrainBudget = std::chrono::milliseconds(20);

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string provider_metadata(const std::string& provider_name) {
  JsonWriter w;
  return w.begin_object().field("provider_name", provider_name).end_object().take();
}

class AnthropicStream final : public EventStream {
 public:
  // A stream that only yields `error` (the request never left).
  AnthropicStream(std::string provider_name, Error error)
      : provider_name_(std::move(provider_name)), translator_(provider_name_) {
    if (error.metadata_json.empty()) error.metadata_json = provider_metadata(provider_name_);
    Event e;
    e.kind = EventKind::error;
    e.error = std::move(error);
    queue_.push_back(std::move(e));
    ended_ = true;
  }

  AnthropicStream(std::string provider_name, std::unique_ptr<Transfer> transfer)
      : provider_name_(std::move(provider_name)), translator_(provider_name_), transfer_(std::move(transfer)) {}

  std::optional<Event> next() override {
    while (queue_.empty() && !ended_) pump();
    if (queue_.empty()) return std::nullopt;
    Event e = std::move(queue_.front());
    queue_.pop_front();
    return e;
  }

  PartialUsage partial_usage() const override { return translator_.partial_usage(); }

 private:
  enum class Mode { undecided, sse, message, error };

  void pump() {
    std::string chunk;
    auto step = transfer_->read(chunk);
    if (!step) return fail(std::move(step.error()));
    if (*step == Transfer::Step::data) return on_bytes(chunk);
    on_done();
  }

  // The status and content type are known once body bytes arrive.
  void decide_mode() {
    if (mode_ != Mode::undecided) return;
    const long status = transfer_->status();
    if (status < 200 || status >= 300) mode_ = Mode::error;
    // A 200 that is not SSE is a plain message even if we asked for a stream: proxies in
    // front of Anthropic sometimes ignore `stream`.
    else if (transfer_->header("content-type").starts_with("text/event-stream")) mode_ = Mode::sse;
    else mode_ = Mode::message;
  }

  void on_bytes(const std::string& chunk) {
    decide_mode();
    if (mode_ != Mode::sse) {
      const size_t cap = mode_ == Mode::error ? kMaxErrorBody : kMaxMessageBody;
      if (body_.size() + chunk.size() > cap && mode_ == Mode::message)
        return fail(Error{ErrorKind::upstream_error, "anthropic: response exceeds " + std::to_string(cap) + " bytes", 0, {}, 0});
      body_.append(chunk, 0, std::min(chunk.size(), cap - std::min(cap, body_.size())));
      return;
    }
    sse_events_.clear();
    const bool ok = sse_.feed(chunk, sse_events_);
    std::vector<Event> out;
    for (const auto& ev : sse_events_) translator_.on_event(ev.event, ev.data, out);
    if (!ok) translator_.abort(Error{ErrorKind::upstream_error, "anthropic: bad event stream: " + sse_.error(), 0, {}, 0}, out);
    push(std::move(out));
    if (translator_.done()) {
      ended_ = true;
      transfer_->drain(kDrainBudget);
    }
  }

  void on_done() {
    decide_mode();
    std::vector<Event> out;
    switch (mode_) {
      case Mode::error: {
        const int status = static_cast<int>(transfer_->status());
        const int retry_after = parse_retry_after(transfer_->header("retry-after"));
        out.push_back(error_event(upstream_error(ErrorContext{provider_name_, status, retry_after}, body_)));
        break;
      }
      case Mode::sse:
        translator_.finish(out);  // only adds an error if message_stop never came
        break;
      case Mode::message:
      case Mode::undecided: {
        auto message = parse_message_response(body_, provider_name_);
        if (message) out = message_events(*message);
        else out.push_back(error_event(std::move(message.error())));
        break;
      }
    }
    push(std::move(out));
    ended_ = true;
  }

  // Transport failure or timeout. Mid-stream, usage so far is reported first.
  void fail(Error error) {
    std::vector<Event> out;
    if (mode_ == Mode::sse) {
      if (error.metadata_json.empty()) error.metadata_json = provider_metadata(provider_name_);
      translator_.abort(std::move(error), out);
    } else {
      out.push_back(error_event(std::move(error)));
    }
    push(std::move(out));
    ended_ = true;
  }

  Event error_event(Error error) const {
    if (error.metadata_json.empty()) error.metadata_json = provider_metadata(provider_name_);
    Event e;
    e.kind = EventKind::error;
    e.error = std::move(error);
    return e;
  }

  void push(std::vector<Event>&& events) {
    for (auto& e : events) queue_.push_back(std::move(e));
  }

  std::string provider_name_;
  StreamTranslator translator_;
  std::unique_ptr<Transfer> transfer_;  // destroyed with the stream: cancels the request
  providers::http::SseParser sse_;
  std::vector<providers::http::SseEvent> sse_events_;
  std::deque<Event> queue_;
  std::string body_;  // Mode::message and Mode::error
  Mode mode_ = Mode::undecided;
  bool ended_ = false;
};

}  // namespace

std::string messages_url(const std::string& base_url) {
  std::string url = base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/messages";
}

std::vector<std::string> request_headers(const ProviderConfig& provider, bool stream) {
  std::vector<std::pair<std::string, std::string>> ours = {
      {"x-api-key", provider.api_key},
      {"anthropic-version", kApiVersion},
      {"content-type", "application/json"},
      {"accept", stream ? "text/event-stream" : "application/json"},
  };
  std::vector<std::string> lines;
  for (const auto& [name, value] : ours) {
    if (value.empty()) continue;  // no key configured: let Anthropic say 401
    const bool overridden = std::any_of(provider.headers.begin(), provider.headers.end(),
                                        [&](const auto& h) { return iequals(h.first, name); });
    if (!overridden) lines.push_back(name + ": " + value);
  }
  for (const auto& [name, value] : provider.headers) lines.push_back(name + ": " + value);
  return lines;
}

std::unique_ptr<EventStream> AnthropicProvider::open(const OpenParams& params) {
  const std::string provider_name = params.provider ? params.provider->name : "anthropic";
  if (!params.request || !params.endpoint || !params.provider)
    return std::make_unique<AnthropicStream>(
        provider_name, Error{ErrorKind::internal, "anthropic: OpenParams is incomplete", 0, {}, 0});
  auto body = build_messages_body(params);
  if (!body) return std::make_unique<AnthropicStream>(provider_name, std::move(body.error()));

  const ProviderConfig& config = *params.provider;
  TransferParams t;
  t.url = messages_url(config.base_url);
  t.headers = request_headers(config, params.request->stream);
  t.body = std::move(*body);
  t.connect_timeout_ms = config.connect_timeout_ms;
  t.first_byte_timeout_ms = config.first_byte_timeout_ms;
  t.idle_timeout_ms = config.idle_timeout_ms;
  t.total_timeout_ms = config.total_timeout_ms;
  t.keep_going = params.keep_going;
  t.wake_fd = params.client_fd;
  auto transfer = Transfer::start(std::move(t));
  if (!transfer) return std::make_unique<AnthropicStream>(provider_name, std::move(transfer.error()));
  return std::make_unique<AnthropicStream>(provider_name, std::move(*transfer));
}

std::unique_ptr<Provider> make_anthropic_provider() { return std::make_unique<AnthropicProvider>(); }

}  // namespace switchyard::anthropic
