#include "proxy/http/body_inflate.h"

#include <zlib.h>

namespace switchyard::proxy {

bool inflatable_encoding(std::string_view e) { return e == "gzip" || e == "x-gzip" || e == "deflate"; }

std::expected<std::string, HeadRefusal> inflate_body(std::string_view body, std::string_view encoding,
                                                     uint64_t max_bytes) {
  if (!inflatable_encoding(encoding))
    return std::unexpected(HeadRefusal{415, "Unsupported Content-Encoding: " + std::string(encoding)});
  z_stream z{};
  // 15 + 32: a zlib or a gzip header, detected.
  if (inflateInit2(&z, 15 + 32) != Z_OK) return std::unexpected(HeadRefusal{500, "Cannot start inflating"});
  std::string out;
  char buf[16384];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&z);
      return std::unexpected(
          HeadRefusal{413, "Request body too large once inflated: the limit is " + std::to_string(max_bytes) + " bytes"});
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) break;  // truncated input
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return std::unexpected(HeadRefusal{400, "Malformed " + std::string(encoding) + " body"});
  return out;
}

}  // namespace switchyard::proxy
