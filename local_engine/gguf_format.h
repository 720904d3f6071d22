// Minimal std::format stand-in (g++ 12 has no <format>): "{}" placeholders, plus "{:x}" /
// "{:08x}" for hex. Used for error messages only.
#pragma once

#include <iomanip>
#include <sstream>
#include <string>
#include <string_view>

namespace switchyard::engine::detail {

inline void format_next(std::ostringstream& os, std::string_view& f) { os << f; f = {}; }

template <class T, class... Rest>
void format_next(std::ostringstream& os, std::string_view& f, const T& v, const Rest&... rest) {
  size_t open = f.find('{');
  size_t close = open == std::string_view::npos ? open : f.find('}', open);
  if (close == std::string_view::npos) { os << f; f = {}; return; }
  os << f.substr(0, open);
  std::string_view spec = f.substr(open + 1, close - open - 1);
  if (spec.size() >= 2 && spec.back() == 'x') {
    int width = spec.size() > 2 ? std::stoi(std::string(spec.substr(1, spec.size() - 2))) : 0;
    os << std::hex << std::setfill('0') << std::setw(width) << v << std::dec << std::setfill(' ');
  } else {
    os << v;
  }
  f = f.substr(close + 1);
  format_next(os, f, rest...);
}

template <class... Args>
std::string sformat(std::string_view f, const Args&... args) {
  std::ostringstream os;
  format_next(os, f, args...);
  return os.str();
}

}  // namespace switchyard::engine::detail
