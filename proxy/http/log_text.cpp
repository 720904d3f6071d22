#include "proxy/http/log_text.h"

#include "providers/utf8.h"

namespace switchyard::proxy {

namespace {

void hex_escape(std::string& out, unsigned char c) {
  static const char* hex = "0123456789abcdef";
  out += "\\x";
  out += hex[c >> 4];
  out += hex[c & 15];
}

}  // namespace

std::string escape_log_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t n = switchyard::utf8_sequence_length(text.substr(i));
      if (n == 0) {
        hex_escape(out, c);
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c < 0x20 || c == 0x7f) hex_escape(out, c);
        else out += static_cast<char>(c);
    }
    ++i;
  }
  return out;
}

}  // namespace switchyard::proxy
