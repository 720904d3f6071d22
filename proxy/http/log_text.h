// Text from clients and upstreams (model names, titles, error messages) written into a log
// line: control characters become visible escapes, so a value holding "\n" cannot forge a
// second line (issue 16, finding 6). Backslash is escaped too, so the escaping is
// unambiguous; bytes >= 0x80 pass unchanged (UTF-8 stays readable; invalid bytes become
// \xNN). The one escaping function for every log line, the access log included.
#pragma once

#include <string>
#include <string_view>

namespace switchyard::proxy {

// "\n" -> "\\n", "\r" -> "\\r", "\t" -> "\\t", other bytes < 0x20, 0x7f and invalid UTF-8
// -> "\\xNN", "\\" -> "\\\\".
std::string escape_log_text(std::string_view text);

}  // namespace switchyard::proxy
