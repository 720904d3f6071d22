#include "proxy/http/error.h"

#include <simdjson.h>

#include <optional>

#include "providers/json_writer.h"

namespace switchyard::proxy {

const char* openai_error_type(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_argument:
    case ErrorKind::payload_too_large:
    case ErrorKind::unprocessable: return "invalid_request_error";
    case ErrorKind::unauthenticated: return "authentication_error";
    case ErrorKind::forbidden: return "permission_error";
    case ErrorKind::not_found: return "not_found_error";
    case ErrorKind::rate_limited: return "rate_limit_error";
    case ErrorKind::payment_required: return "insufficient_quota";
    default: return "server_error";
  }
}

namespace {
// metadata.param, when the metadata names one field.
std::optional<std::string> param_of(const Error& e) {
  if (e.metadata_json.empty()) return std::nullopt;
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  std::string_view param;
  if (p.parse(e.metadata_json).get(doc) != simdjson::SUCCESS || doc["param"].get(param) != simdjson::SUCCESS)
    return std::nullopt;
  return std::string(param);
}
}  // namespace

std::string error_body(const Error& error) {
  JsonWriter w;
  w.begin_object().key("error").begin_object();
  w.field("code", int64_t{http_status(error)});
  w.field("message", error.message);
  w.field("type", openai_error_type(error.kind));
  if (auto param = param_of(error)) w.field("param", *param);
  else w.field_null("param");
  if (!error.metadata_json.empty()) w.field_raw("metadata", error.metadata_json);
  w.end_object().end_object();
  return w.take();
}

void send_error(httplib::Response& res, const Error& error, std::string body) {
  res.status = http_status(error);
  if (error.retry_after_seconds > 0) res.set_header("Retry-After", std::to_string(error.retry_after_seconds));
  res.set_content(std::move(body), kJsonContentType);
}

void send_error(httplib::Response& res, const Error& error) { send_error(res, error, error_body(error)); }

void send_json(httplib::Response& res, std::string body, int status) {
  res.status = status;
  res.set_content(std::move(body), kJsonContentType);
}

std::string header_or(const httplib::Request& req, const char* name, const char* fallback) {
  if (req.has_header(name)) return req.get_header_value(name);
  if (fallback && req.has_header(fallback)) return req.get_header_value(fallback);
  return {};
}

}  // namespace switchyard::proxy
