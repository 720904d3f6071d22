// One wire format's side of the pipeline (DESIGN.md §1): the pipeline is the same for every
// ingress; a WireFormat says how its requests parse, how its errors look and which
// ResponseSink turns normalized events into its bytes. A handler is: its WireFormat, then
// run_completion (completion.h).
#pragma once

#include <httplib.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "providers/contract.h"
#include "proxy/billing/money.h"

namespace switchyard::proxy {

// Which API a request came through; stored on its usage row.
enum class ApiSurface { chat, completions, messages, responses };
const char* api_surface_name(ApiSurface api);  // "chat", "completions", "messages", "responses"

// Known once an attempt yields its first event.
struct ResponseStart {
  std::string id;              // gen-...
  int64_t created = 0;         // unix seconds
  std::string model;           // the public model id that serves
  std::string provider;        // the provider name that serves
  std::string metadata_json;   // non-empty: routing metadata the client asked for
};

// How the response ended.
struct ResponseEnd {
  Usage usage;
  billing::Picodollars cost;
  std::optional<Error> failure;  // the stream broke after its first event
};

// Events in, this format's bytes out. Streaming sinks return bytes to write at once; plain
// sinks collect and return the whole body from finish() (never called with a failure: a
// plain response that fails is still an HTTP error, in WireFormat::error_body).
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual bool streaming() const = 0;
  virtual std::string start(const ResponseStart& start) = 0;
  virtual std::string on_event(const Event& event) = 0;  // never usage or error events
  virtual std::string finish(const ResponseEnd& end) = 0;
  // Streaming: what goes out while the upstream is silent.
  virtual std::string keep_alive() const { return ": keep-alive\n\n"; }
};

class WireFormat {
 public:
  virtual ~WireFormat() = default;
  virtual ApiSurface api() const = 0;
  // The API key's header value as `Bearer <key>` (formats with their own header map it).
  virtual std::string credentials(const httplib::Request& req) const;
  virtual Result<ChatRequest> parse(std::string_view body) const = 0;
  // An error before the response started, in this format's shape.
  virtual std::string error_body(const Error& error) const = 0;
  virtual std::unique_ptr<ResponseSink> sink(const ChatRequest& request) const = 0;
};

}  // namespace switchyard::proxy
