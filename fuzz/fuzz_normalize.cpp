// Request normalization for every ingress: the first byte picks the format (chat,
// completions, messages, responses), the rest is the body. Also the duplicate-key scan.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proxy/api/anthropic/messages_format.h"
#include "proxy/api/openai/chat_format.h"
#include "proxy/api/responses/responses_format.h"
#include "proxy/pipeline/duplicate_keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace switchyard::proxy;
  if (size < 1) return 0;
  static const OpenAiFormat chat(false), completions(true);
  static const anthropic::MessagesFormat messages;
  static const ResponsesFormat responses;
  static const WireFormat* formats[] = {&chat, &completions, &messages, &responses};
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)formats[data[0] % 4]->parse(body);
  (void)first_duplicate_key(body);
  return 0;
}
