// OpenAI-compatible response JSON -> normalized Events. Upstream bytes are untrusted:
// every field may be missing or of the wrong type, and that never crashes or throws.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "providers/contract.h"

namespace switchyard::providers::openai_compat {

// What one JSON document (a whole response, or one streamed chunk) said.
struct ParsedDocument {
  std::vector<Event> events;  // role / content / tool_call / logprobs / finish, in order
  std::optional<Usage> usage;
  std::string id;                 // the upstream's response id, when present
  std::optional<Error> error;     // the document carried an `error` object
  std::string malformed;          // not JSON, or not an object: what was wrong
};

class ResponseParser {
 public:
  // chat: /chat/completions shapes (message/delta); otherwise /completions (text).
  ResponseParser(bool chat, std::string provider_name)
      : chat_(chat), provider_name_(std::move(provider_name)) {}

  ParsedDocument parse_response(std::string_view body);  // a whole non-streamed body
  ParsedDocument parse_chunk(std::string_view data);     // one SSE `data:` payload

 private:
  ParsedDocument parse(std::string_view json, bool streamed);

  bool chat_;
  std::string provider_name_;
  std::set<int64_t> started_choices_;  // a role event was emitted for these
};

// The Error for an upstream HTTP status >= 400 (or another non-2xx status), with
// metadata {"provider_name","upstream_status","raw"} and the upstream's error.message.
Error upstream_http_error(const std::string& provider_name, long status, std::string_view body,
                          std::string_view retry_after);

// An upstream_error with the same metadata shape, for bad bytes in a 2xx answer.
Error upstream_bad_response(const std::string& provider_name, long status, std::string message,
                            std::string_view body);

}  // namespace switchyard::providers::openai_compat
