// The Responses API's JSON shapes (as the openai SDK's responses.d.ts types them): the
// response object, its output items and content parts, and its usage. Shared by the plain
// body and every streamed event that carries a snapshot.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "providers/contract.h"
#include "providers/json_writer.h"
#include "proxy/api/responses/output_items.h"
#include "proxy/billing/money.h"
#include "proxy/pipeline/response_sink.h"

namespace switchyard::proxy {

// What every snapshot of one response repeats.
struct ResponseHead {
  std::string id;                      // resp_...
  int64_t created_at = 0;              // unix seconds
  std::string model;                   // the public model id that serves
  std::string provider;                // the provider name that serves (OpenRouter's extra field)
  std::string routing_metadata_json;   // non-empty: what X-Switchyard-Metadata asked for
  const ChatRequest* request = nullptr;  // its sampling and echo_fields are repeated
};
ResponseHead response_head(const ResponseStart& start, const ChatRequest& request);

struct ResponseUsage {
  Usage usage;
  billing::Picodollars cost;
};

// The response at one moment.
struct ResponseSnapshot {
  const char* status = "in_progress";  // in_progress | completed | incomplete | failed
  std::span<const OutputItem> output;
  std::optional<std::string> incomplete_reason;  // status incomplete
  const Error* error = nullptr;                  // status failed
  std::optional<ResponseUsage> usage;            // known once the stream is over
};

void write_response(JsonWriter& w, const ResponseHead& head, const ResponseSnapshot& snapshot);
std::string response_json(const ResponseHead& head, const ResponseSnapshot& snapshot);

// An item as it is now; `as_added` writes it as it starts (no text, no arguments yet).
void write_output_item(JsonWriter& w, const OutputItem& item, bool as_added = false);
// The output_text content part of a message.
void write_output_text(JsonWriter& w, const std::string& text);

// The error of a failed response: code "rate_limit_exceeded" or "server_error" (the SDK's
// ResponseError codes), and the message.
void write_response_error(JsonWriter& w, const Error& error);

}  // namespace switchyard::proxy
