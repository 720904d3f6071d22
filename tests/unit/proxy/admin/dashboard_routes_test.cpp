// The /dashboard routes on a real httplib server (127.0.0.1:0): content types, cache and
// security headers, the page shown when the dashboard was not built, and the bundle this
// build embedded.
#include "proxy/admin/dashboard_routes.h"

#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <thread>

using namespace switchyard::proxy::admin;
using Catch::Matchers::Contains;

namespace {

// A server with only the dashboard routes, serving `bundle` until destroyed.
class DashboardServer {
 public:
  explicit DashboardServer(const DashboardBundle& bundle) {
    switchyard::proxy::RouteTable routes(server_);
    mount_dashboard_routes(routes, bundle);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~DashboardServer() {
    server_.stop();
    thread_.join();
  }
  httplib::Result get(const std::string& path) { return httplib::Client("127.0.0.1", port_).Get(path); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

const DashboardAsset kFiles[] = {
    {"index.html", "<!doctype html><script type=module src=/dashboard/assets/app-AB12.js></script>"},
    {"assets/app-AB12.js", "console.log(1)"},
    {"assets/app-AB12.css", "body{}"},
    {"assets/icon-CD34.svg", "<svg/>"},
};

void require_security_headers(const httplib::Response& res) {
  REQUIRE_THAT(res.get_header_value("Content-Security-Policy"), Contains("default-src 'self'"));
  REQUIRE_THAT(res.get_header_value("Content-Security-Policy"), Contains("script-src 'self';"));
  REQUIRE(res.get_header_value("X-Content-Type-Options") == "nosniff");
}

}  // namespace

TEST_CASE("the dashboard page is revalidated, its hashed assets cached, each with its content type", "[dashboard]") {
  DashboardServer server(DashboardBundle{kFiles, {}});
  for (const char* path : {"/dashboard", "/dashboard/"}) {
    auto res = server.get(path);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "text/html; charset=utf-8");
    CHECK(res->get_header_value("Cache-Control") == "no-cache");
    CHECK(res->body == kFiles[0].body);
    require_security_headers(*res);
  }
  struct Expected {
    const char* path;
    const char* type;
    std::string_view body;
  };
  for (const auto& e : {Expected{"/dashboard/assets/app-AB12.js", "text/javascript; charset=utf-8", kFiles[1].body},
                        Expected{"/dashboard/assets/app-AB12.css", "text/css; charset=utf-8", kFiles[2].body},
                        Expected{"/dashboard/assets/icon-CD34.svg", "image/svg+xml", kFiles[3].body}}) {
    auto res = server.get(e.path);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == e.type);
    CHECK(res->get_header_value("Cache-Control") == "public, max-age=31536000, immutable");
    CHECK(res->body == e.body);
    require_security_headers(*res);
  }
}

TEST_CASE("an unknown dashboard file is a 404 in the API's error shape", "[dashboard]") {
  DashboardServer server(DashboardBundle{kFiles, {}});
  auto res = server.get("/dashboard/assets/app-OLD.js");
  REQUIRE(res);
  CHECK(res->status == 404);
  CHECK_THAT(res->body, Contains("\"code\":404"));
  CHECK(res->get_header_value("X-Content-Type-Options") == "nosniff");
}

TEST_CASE("a dashboard that was not built answers with a page saying why", "[dashboard]") {
  DashboardServer server(DashboardBundle{{}, "node was <missing> & so on"});
  auto res = server.get("/dashboard");
  REQUIRE(res);
  CHECK(res->status == 503);
  CHECK(res->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK_THAT(res->body, Contains("dashboard was not built"));
  CHECK_THAT(res->body, Contains("node was &lt;missing&gt; &amp; so on"));
  require_security_headers(*res);
  auto asset = server.get("/dashboard/assets/app-AB12.js");
  REQUIRE(asset);
  CHECK(asset->status == 404);
}

TEST_CASE("this build's embedded dashboard holds every file its page names, or says why it has none", "[dashboard]") {
  const DashboardBundle& bundle = embedded_dashboard();
  if (bundle.files.empty()) {
    CHECK_FALSE(bundle.not_built_reason.empty());
    return;
  }
  DashboardServer server(bundle);
  auto index = server.get("/dashboard");
  REQUIRE(index);
  REQUIRE(index->status == 200);
  const std::regex named(R"(/dashboard/assets/[A-Za-z0-9._-]+)");
  int count = 0;
  for (std::sregex_iterator it(index->body.begin(), index->body.end(), named), end; it != end; ++it, ++count) {
    auto res = server.get(it->str());
    REQUIRE(res);
    INFO(it->str());
    CHECK(res->status == 200);
    CHECK_FALSE(res->body.empty());
  }
  CHECK(count == 3);  // script, stylesheet, icon
}
