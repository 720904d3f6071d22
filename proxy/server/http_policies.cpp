#include "proxy/server/http_policies.h"

#include <algorithm>

#include "proxy/http/error.h"

namespace switchyard::proxy {

namespace {

// Request headers browser apps send to these APIs, and response headers they may read.
constexpr const char* kAllowedHeaders =
    "Authorization, Content-Type, HTTP-Referer, X-Title, X-OpenRouter-Title, X-Api-Key, anthropic-version, "
    "anthropic-beta, X-Switchyard-Metadata, X-OpenRouter-Metadata, X-Stainless-Arch, X-Stainless-Lang, "
    "X-Stainless-OS, X-Stainless-Package-Version, X-Stainless-Retry-Count, X-Stainless-Runtime, "
    "X-Stainless-Runtime-Version, X-Stainless-Timeout, OpenAI-Organization, OpenAI-Project";
constexpr const char* kExposedHeaders =
    "X-Generation-Id, Retry-After, X-Next-Cursor, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, "
    "x-ratelimit-reset-requests, x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens";

bool origin_allowed(const std::vector<std::string>& allowed, const std::string& origin) {
  return !origin.empty() && std::any_of(allowed.begin(), allowed.end(),
                                        [&](const std::string& a) { return a == "*" || a == origin; });
}

}  // namespace

void install_error_handler(httplib::Server& server, const RouteTable& routes, int64_t max_body_bytes) {
  server.set_error_handler([&routes, max_body_bytes](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    Error e{ErrorKind::not_found, "No such endpoint: " + req.method + " " + req.path, 0, {}, 0};
    if (res.status == 404) {
      auto methods = routes.methods_for(req.path);
      if (!methods.empty()) {
        res.status = 405;
        res.set_header("Allow", allow_header(methods));
        e = Error{ErrorKind::invalid_argument,
                  "Method " + req.method + " is not allowed on " + req.path + " (allowed: " + allow_header(methods) + ")",
                  405, {}, 0};
      }
    } else if (res.status == 413) {
      e = Error{ErrorKind::payload_too_large,
                "Request body too large: the limit is " + std::to_string(max_body_bytes) + " bytes", 0, {}, 0};
    } else {
      e = Error{ErrorKind::invalid_argument, "Bad request", res.status, {}, 0};
    }
    res.set_content(error_body(e), kJsonContentType);
  });
}

void install_cors(httplib::Server& server, const RouteTable& routes, std::vector<std::string> allowed) {
  if (allowed.empty()) return;
  server.Options(R"(.*)", [&routes, allowed](const httplib::Request& req, httplib::Response& res) {
    auto methods = routes.methods_for(req.path);
    if (methods.empty() || !origin_allowed(allowed, req.get_header_value("Origin"))) {
      res.status = methods.empty() ? 404 : 403;
      return;
    }
    res.status = 204;
    res.set_header("Access-Control-Allow-Methods", allow_header(methods) + ", OPTIONS");
    res.set_header("Access-Control-Allow-Headers", kAllowedHeaders);
    res.set_header("Access-Control-Max-Age", "600");
  });
  server.set_post_routing_handler([allowed](const httplib::Request& req, httplib::Response& res) {
    std::string origin = req.get_header_value("Origin");
    if (!origin_allowed(allowed, origin)) return;
    // The origin itself rather than "*": a cache in between then keys on Vary: Origin.
    res.set_header("Access-Control-Allow-Origin", origin);
    res.set_header("Access-Control-Expose-Headers", kExposedHeaders);
    res.set_header("Vary", "Origin");
  });
}

}  // namespace switchyard::proxy
