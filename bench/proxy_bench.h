// What the proxy benches share: the upstream's fixed chat reply, the request they send, and
// a Switchyard App started on a config text with a database of its own.
#pragma once

#include <httplib.h>
#include <sys/socket.h>

#include <cstdio>
#include <memory>
#include <string>

#include "proxy/config/config.h"
#include "proxy/server/app.h"

namespace bench {

// The mock (or nginx) upstream's answer to every chat completion.
inline const char* kChatReply =
    R"({"id":"up","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":)"
    R"({"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,)"
    R"("completion_tokens":2,"total_tokens":11}})";
// What wrk sends through the proxy.
inline const char* kChatBody = R"({"model":"bench/model","messages":[{"role":"user","content":"Say hello"}],"max_tokens":8})";

// Binds `upstream` to a free port on 127.0.0.1 and listens with `backlog`; the port, or -1.
// httplib listens with a backlog of 5: a burst of new connections (wrk's, or the proxy's
// pooled upstream connections) would wait out SYN retransmits, 1 s each.
inline int bind_upstream(httplib::Server& upstream, int backlog = 4096) {
  int listen_fd = -1;
  upstream.set_socket_options([&](socket_t s) {
    httplib::default_socket_options(s);
    listen_fd = s;
  });
  const int port = upstream.bind_to_any_port("127.0.0.1");
  if (port > 0 && listen_fd >= 0) ::listen(listen_fd, backlog);
  return port;
}

// An App on `yaml` with its ledger in `db_path`, without an access log; nullptr after
// printing why when the config or the App is refused.
inline std::unique_ptr<switchyard::proxy::App> start_app(const std::string& yaml, const std::string& db_path) {
  auto cfg = switchyard::proxy::parse_config(yaml, "bench.yaml");
  if (!cfg) return std::fprintf(stderr, "%s\n", cfg.error().message.c_str()), nullptr;
  switchyard::proxy::AppOptions opts;
  opts.config = *cfg;
  opts.database_url = db_path;
  opts.quiet = true;
  auto app = switchyard::proxy::App::create(opts);
  if (!app) return std::fprintf(stderr, "%s\n", app.error().message.c_str()), nullptr;
  return std::move(*app);
}

}  // namespace bench
