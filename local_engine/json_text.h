// The little JSON text the engine writes itself (grammar literals for property names, tool
// lists and calls rendered into prompts). The engine has no JSON writer of its own: the
// proxy and providers write the wire format.
#pragma once

#include <string>
#include <string_view>

namespace switchyard::engine {

// s as a JSON string literal: quoted, with ", \ and control characters escaped. Bytes are
// copied as they are (s is expected to be UTF-8).
inline std::string json_quote(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace switchyard::engine
