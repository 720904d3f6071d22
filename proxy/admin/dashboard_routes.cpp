#include "proxy/admin/dashboard_routes.h"

#include <string>

#include "proxy/http/error.h"
#include "proxy/http/guarded.h"

namespace switchyard::proxy::admin {

namespace {

// The page loads its own bundle and calls its own API, nothing else: no inline script or
// style, no other origin, no plugins, never inside a frame.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
constexpr const char* kRevalidate = "no-cache";
constexpr const char* kForever = "public, max-age=31536000, immutable";  // content-hashed names

struct ContentType {
  std::string_view extension, type;
};
constexpr ContentType kContentTypes[] = {
    {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
    {".png", "image/png"},                 {".map", "application/json; charset=utf-8"},
};

std::string content_type_of(std::string_view path) {
  for (const auto& [extension, type] : kContentTypes)
    if (path.ends_with(extension)) return std::string(type);
  return "application/octet-stream";
}

const DashboardAsset* find(const DashboardBundle& bundle, std::string_view path) {
  for (const auto& f : bundle.files)
    if (f.path == path) return &f;
  return nullptr;
}

void set_page_headers(httplib::Response& res, const char* cache_control) {
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Cache-Control", cache_control);
}

std::string html_escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

void send_not_built(httplib::Response& res, std::string_view reason) {
  set_page_headers(res, "no-store");
  res.status = 503;
  res.set_content("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Dashboard not built</title>"
                  "</head><body><h1>The Switchyard dashboard was not built</h1><p>" + html_escaped(reason) +
                      "</p><p>The API under /api/v1/ works as usual.</p></body></html>",
                  "text/html; charset=utf-8");
}

void send_file(httplib::Response& res, const DashboardAsset& file, const char* cache_control) {
  set_page_headers(res, cache_control);
  res.set_content(file.body.data(), file.body.size(), content_type_of(file.path));
}

}  // namespace

void mount_dashboard_routes(RouteTable& server, DashboardBundle bundle) {
  auto page = [bundle](const httplib::Request&, httplib::Response& res) {
    const DashboardAsset* index = find(bundle, "index.html");
    if (!index) return send_not_built(res, bundle.not_built_reason);
    send_file(res, *index, kRevalidate);
  };
  auto asset = [bundle](const httplib::Request& req, httplib::Response& res) {
    const DashboardAsset* file = find(bundle, "assets/" + std::string(req.matches[1]));
    if (!file) {
      set_page_headers(res, "no-store");
      return send_error(res, Error{ErrorKind::not_found, "No such dashboard file: " + req.path, 0, {}, 0});
    }
    send_file(res, *file, kForever);
  };
  server.Get("/dashboard/?", guarded(page));
  server.Get(R"(/dashboard/assets/([A-Za-z0-9._-]+))", guarded(asset));
}

}  // namespace switchyard::proxy::admin
