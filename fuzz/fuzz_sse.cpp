// The SSE parser, fed the input in pieces whose sizes come from the input itself.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "providers/http/sse_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace switchyard::providers::http;
  if (size < 1) return 0;
  SseParser parser(4096);
  std::vector<SseEvent> events;
  const size_t step = 1 + data[0] % 17;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  while (!rest.empty() && !parser.failed()) {
    const size_t n = std::min(step, rest.size());
    parser.feed(rest.substr(0, n), events);
    rest.remove_prefix(n);
  }
  (void)parser.has_pending();
  return 0;
}
