// A JSON object with the same key twice is ambiguous (RFC 8259 §4): we would read the
// first, an upstream or a proxy in between may read the last (issue 16, finding 9). Request
// bodies with one anywhere are refused with a 400 naming the key.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace switchyard::proxy {

// The first duplicated key as "path.key" (e.g. "messages[0].content"); nullopt when there is
// none or the body is not JSON (the format's parser then says what is wrong).
std::optional<std::string> first_duplicate_key(std::string_view json);

}  // namespace switchyard::proxy
