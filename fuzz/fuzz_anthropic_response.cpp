// Anthropic upstream bytes: a whole Messages response, and a stream of SSE events (lines
// "event\tdata") through the stream translator, then an error body.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "providers/anthropic/response_translation.h"
#include "providers/anthropic/stream_translator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace switchyard;
  using namespace switchyard::anthropic;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto m = parse_message_response(body, "fuzz")) (void)message_events(*m);
  StreamTranslator t("fuzz");
  std::vector<Event> out;
  for (std::string_view rest = body; !rest.empty() && !t.done();) {
    const size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    const size_t tab = line.find('\t');
    if (tab == std::string_view::npos) t.on_event("", line, out);
    else t.on_event(line.substr(0, tab), line.substr(tab + 1), out);
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  t.finish(out);
  (void)parse_retry_after(body.substr(0, 16));
  return 0;
}
