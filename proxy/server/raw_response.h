// Answers the server loop writes itself, before httplib sees a request (framing errors,
// 503 when busy): our JSON error shape, Content-Length, Connection: close.
#pragma once

#include <string>

namespace switchyard::proxy {

// retry_after_seconds > 0 adds Retry-After.
std::string raw_error_response(int status, const std::string& message, int retry_after_seconds = 0);

}  // namespace switchyard::proxy
