// Bytes from upstreams (error bodies, stream payloads) are untrusted and may be any binary;
// what we put into JSON or a log must be valid UTF-8 (issue 16, finding 8). RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace switchyard {

// The length (1..4) of the valid UTF-8 sequence `s` starts with; 0 when it starts with an
// invalid or truncated one (or `s` is empty).
size_t utf8_sequence_length(std::string_view s);
// `s` with every invalid byte replaced by U+FFFD (one per byte that starts no valid sequence).
std::string make_valid_utf8(std::string_view s);
bool is_valid_utf8(std::string_view s);

}  // namespace switchyard
