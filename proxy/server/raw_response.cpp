#include "proxy/server/raw_response.h"

#include "proxy/http/error.h"

namespace switchyard::proxy {

namespace {

const char* reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
  }
  return "Error";
}

ErrorKind kind_for(int status) {
  switch (status) {
    case 413: return ErrorKind::payload_too_large;
    case 503: return ErrorKind::no_route;
    default: return ErrorKind::invalid_argument;
  }
}

}  // namespace

std::string raw_error_response(int status, const std::string& message, int retry_after_seconds) {
  const std::string body = error_body(Error{kind_for(status), message, status, {}, retry_after_seconds});
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\n";
  out += std::string("Content-Type: ") + kJsonContentType + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "Connection: close\r\n";
  if (retry_after_seconds > 0) out += "Retry-After: " + std::to_string(retry_after_seconds) + "\r\n";
  out += "\r\n";
  return out + body;
}

}  // namespace switchyard::proxy
