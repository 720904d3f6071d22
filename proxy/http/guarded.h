// Handlers never throw (they return errors as values); this wrapper is the last line, as
// llama.cpp's server does with its ex_wrapper: a stray exception becomes a 500 JSON error.
#pragma once

#include <httplib.h>

#include <exception>
#include <string>
#include <utility>

#include "proxy/http/error.h"

namespace switchyard::proxy {

// `body` writes the error in the route's own format (default: the OpenAI shape).
template <class F>
httplib::Server::Handler guarded(F f, std::string (*body)(const Error&) = error_body) {
  return [f = std::move(f), body](const httplib::Request& req, httplib::Response& res) {
    auto fail = [&](Error e) { send_error(res, e, body(e)); };
    try {
      f(req, res);
    } catch (const std::exception& e) {
      fail(Error{ErrorKind::internal, std::string("Internal error: ") + e.what(), 0, {}, 0});
    } catch (...) {
      fail(Error{ErrorKind::internal, "Internal error", 0, {}, 0});
    }
  };
}

}  // namespace switchyard::proxy
