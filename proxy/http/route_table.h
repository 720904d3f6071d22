// The server's routes, registered through here so the server knows them: a known path asked
// with a method it does not take is a 405 with an Allow header (not a 404), and a CORS
// preflight is answered for the methods the path does take. The calls mirror httplib's.
#pragma once

#include <httplib.h>

#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace switchyard::proxy {

class RouteTable {
 public:
  explicit RouteTable(httplib::Server& server) : server_(server) {}

  RouteTable& Get(const std::string& pattern, httplib::Server::Handler handler);
  RouteTable& Post(const std::string& pattern, httplib::Server::Handler handler);
  RouteTable& Patch(const std::string& pattern, httplib::Server::Handler handler);
  RouteTable& Delete(const std::string& pattern, httplib::Server::Handler handler);

  // The methods some route takes for `path` ("GET" also means HEAD), in registration order.
  std::vector<std::string> methods_for(const std::string& path) const;

 private:
  void remember(const char* method, const std::string& pattern);
  httplib::Server& server_;
  std::vector<std::pair<std::string, std::regex>> routes_;
};

// "GET, HEAD, POST" for an Allow header.
std::string allow_header(const std::vector<std::string>& methods);

}  // namespace switchyard::proxy
