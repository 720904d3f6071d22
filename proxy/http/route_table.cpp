#include "proxy/http/route_table.h"

#include <algorithm>

namespace switchyard::proxy {

void RouteTable::remember(const char* method, const std::string& pattern) { routes_.emplace_back(method, std::regex(pattern)); }

RouteTable& RouteTable::Get(const std::string& pattern, httplib::Server::Handler handler) {
  remember("GET", pattern);
  server_.Get(pattern, std::move(handler));
  return *this;
}

RouteTable& RouteTable::Post(const std::string& pattern, httplib::Server::Handler handler) {
  remember("POST", pattern);
  server_.Post(pattern, std::move(handler));
  return *this;
}

RouteTable& RouteTable::Patch(const std::string& pattern, httplib::Server::Handler handler) {
  remember("PATCH", pattern);
  server_.Patch(pattern, std::move(handler));
  return *this;
}

RouteTable& RouteTable::Delete(const std::string& pattern, httplib::Server::Handler handler) {
  remember("DELETE", pattern);
  server_.Delete(pattern, std::move(handler));
  return *this;
}

std::vector<std::string> RouteTable::methods_for(const std::string& path) const {
  std::vector<std::string> out;
  for (const auto& [method, re] : routes_)
    if (std::regex_match(path, re) && std::find(out.begin(), out.end(), method) == out.end()) out.push_back(method);
  return out;
}

std::string allow_header(const std::vector<std::string>& methods) {
  std::string out;
  for (const auto& m : methods) {
    out += (out.empty() ? "" : ", ") + m;
    if (m == "GET") out += ", HEAD";
  }
  return out;
}

}  // namespace switchyard::proxy
