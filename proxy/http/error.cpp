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

}  // namespace switchyard::proxy
