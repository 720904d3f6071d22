// What the server loop reads from clients before httplib sees anything: the request head,
// a chunked body (fed in pieces) and a capped inflate.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/http/body_inflate.h"
#include "proxy/http/chunked_body.h"
#include "proxy/http/request_head.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace switchyard::proxy;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto end = find_head_end(in)) {
    (void)parse_request_head(in.substr(0, *end), HeadLimits{1 << 20});
    in.remove_prefix(*end);
  }
  ChunkedBody chunked(1 << 16);
  std::string pending;
  for (size_t i = 0; i < in.size(); i += 7) {
    pending.append(in.substr(i, 7));
    if (chunked.feed(pending) != ChunkedBody::Status::need_more) break;
  }
  (void)inflate_body(in, "gzip", 1 << 16);
  return 0;
}
