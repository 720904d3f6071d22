#include "proxy/api/anthropic/count_tokens.h"

#include "providers/json_writer.h"
#include "proxy/api/anthropic/errors.h"
#include "proxy/api/anthropic/messages_format.h"
#include "proxy/http/error.h"

namespace switchyard::proxy::anthropic {

namespace {

Result<int64_t> count(const PipelineServices& s, const httplib::Request& req) {
  static const MessagesFormat format(ParseOptions{.require_max_tokens = false});
  auto key = s.keys->authenticate(format.credentials(req));
  if (!key) return std::unexpected(key.error());
  auto request = format.parse(req.body);
  if (!request) return std::unexpected(request.error());
  auto catalog = s.catalog->current();  // holds the plan's providers until we are done
  auto plan = catalog->router->plan(*request);
  if (!plan) return std::unexpected(plan.error());
  if (plan->attempts.empty()) return fail(ErrorKind::no_route, "No usable endpoint for " + request->model);
  const Attempt& first = plan->attempts.front();
  return first.impl->count_prompt_tokens(OpenParams{&*request, first.endpoint, first.provider, 1, {}});
}

}  // namespace

void handle_count_tokens(const PipelineServices& services, const httplib::Request& req, httplib::Response& res) {
  auto tokens = count(services, req);
  if (!tokens) return send_error(res, tokens.error(), error_body(tokens.error()));
  JsonWriter w;
  send_json(res, w.begin_object().field("input_tokens", *tokens).end_object().take());
}

}  // namespace switchyard::proxy::anthropic
