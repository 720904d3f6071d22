#include "proxy/pipeline/response_sink.h"

namespace switchyard::proxy {

const char* api_surface_name(ApiSurface api) {
  switch (api) {
    case ApiSurface::chat: return "chat";
    case ApiSurface::completions: return "completions";
    case ApiSurface::messages: return "messages";
    case ApiSurface::responses: return "responses";
  }
  return "chat";
}

std::string WireFormat::credentials(const httplib::Request& req) const {
  return req.get_header_value("Authorization");
}

}  // namespace switchyard::proxy
