#include "proxy/server/head_admission.h"

#include <array>

namespace switchyard::proxy {

namespace {

struct KeyedRoute {
  std::string_view suffix;  // after /v1 or /api/v1
  bool completion;
  bool x_api_key;  // Anthropic's header is accepted beside Authorization
};

// Every POST route whose handler authenticates with an API key before reading the body.
constexpr std::array<KeyedRoute, 5> kKeyedRoutes = {{
    {"/chat/completions", true, false},
    {"/completions", true, false},
    {"/responses", true, false},
    {"/messages", true, true},
    {"/messages/count_tokens", false, true},
}};

const KeyedRoute* keyed_route(std::string_view path) {
  for (std::string_view prefix : {"/v1", "/api/v1"}) {
    if (!path.starts_with(prefix)) continue;
    const std::string_view rest = path.substr(prefix.size());
    for (const KeyedRoute& r : kKeyedRoutes)
      if (rest == r.suffix) return &r;
  }
  return nullptr;
}

}  // namespace

HeadVerdict admit_head(const RequestHead& head, KeyTable& keys) {
  if (head.method != "POST") return {};
  const KeyedRoute* route = keyed_route(head.path());
  if (!route) return {};
  HeadVerdict v;
  v.completion = route->completion;
  std::string credentials;
  if (const std::string* x = route->x_api_key ? head.field("x-api-key") : nullptr; x && !x->empty())
    credentials = "Bearer " + *x;
  else if (const std::string* a = head.field("Authorization"))
    credentials = *a;
  v.unauthenticated = !keys.authenticate(credentials).has_value();
  return v;
}

}  // namespace switchyard::proxy
