// Handlers never throw (they return errors as values); this wrapper is the last line, as
// llama.cpp's server does with its ex_wrapper: a stray exception becomes a 500 JSON error.
#pragma once

#include <httplib.h>

#include <exception>
#include <string>
#include <utility>

#include "proxy/http/error.h"

namespace switchyard::proxy {

template <class F>
httplib::Server::Handler guarded(F f) {
  return [f = std::move(f)](const httplib::Request& req, httplib::Response& res) {
    try {
      f(req, res);
    } catch (const std::exception& e) {
      send_error(res, Error{ErrorKind::internal, std::string("Internal error: ") + e.what(), 0, {}, 0});
    } catch (...) {
      send_error(res, Error{ErrorKind::internal, "Internal error", 0, {}, 0});
    }
  };
}

}  // namespace switchyard::proxy
