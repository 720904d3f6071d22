// A request body with Content-Encoding gzip or deflate, inflated with a cap (issue 16,
// finding 1): a 99 KiB gzip bomb that would inflate to 100 MiB stops at max_bytes with a
// 413. Only used when server.request_decompression allows it; otherwise an encoded body is
// a 415 before it is read.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "proxy/http/request_head.h"

namespace switchyard::proxy {

bool inflatable_encoding(std::string_view encoding);  // gzip, x-gzip, deflate

std::expected<std::string, HeadRefusal> inflate_body(std::string_view body, std::string_view encoding,
                                                     uint64_t max_bytes);

}  // namespace switchyard::proxy
