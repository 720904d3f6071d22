// OpenAI-compatible upstream bytes: a whole response, SSE chunks (split at newlines), an
// error body, for chat and legacy completions.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "providers/openai_compat/response_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace switchyard::providers::openai_compat;
  if (size < 1) return 0;
  const bool chat = data[0] & 1;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  ResponseParser whole(chat, "fuzz");
  (void)whole.parse_response(body);
  ResponseParser stream(chat, "fuzz");
  for (std::string_view rest = body; !rest.empty();) {
    const size_t nl = rest.find('\n');
    (void)stream.parse_chunk(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  (void)upstream_http_error("fuzz", 400 + data[0] % 200, body, body.substr(0, 8));
  return 0;
}
