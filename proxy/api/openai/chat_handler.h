// The completion endpoints (chat and prompt forms share one handler).
#pragma once

#include <httplib.h>

#include "proxy/server/app.h"

namespace switchyard::proxy {

struct ChatEndpointOptions {
  bool completion = false;  // /v1/completions: `prompt` instead of `messages`
};

// Never throws; every outcome after authentication becomes one ledger row.
void handle_chat(App& app, const httplib::Request& req, httplib::Response& res, const ChatEndpointOptions& opts);

}  // namespace switchyard::proxy
