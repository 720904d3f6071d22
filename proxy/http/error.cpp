#include "proxy/http/error.h"

#include "providers/json_writer.h"

namespace switchyard::proxy {

std::string error_body(const Error& error) {
  JsonWriter w;
  w.begin_object().key("error").begin_object();
  w.field("code", int64_t{http_status(error)});
  w.field("message", error.message);
  w.field("type", error_kind_name(error.kind));
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
