// Usage you can see (management key unless said otherwise):
//   GET /api/v1/activity?date=&api_key_hash=   OpenRouter's shape: the last 30 UTC days, today
//       included, one row per day x model x provider {date, model, provider_name, usage,
//       requests, prompt_tokens, completion_tokens, reasoning_tokens}. An ordinary key may call
//       it and sees its own usage only.
//   GET /api/v1/admin/usage?from=&to=&granularity=hour|day|week|month&group_by=key,model,...
//       &key=&model=&provider=&app=&api=&status=&format=json|csv|ndjson
//       sums per period and group, from the hourly rollups (fast on millions of rows).
//   GET /api/v1/admin/overview?from=&to=   the dashboard's overview in one answer: totals per
//       UTC day {series: [{date, requests, prompt_tokens, completion_tokens, cost_usd, errors}]}
//       and the ten biggest models, providers, keys and apps by cost {top: {model: [...], ...}}.
//   GET /api/v1/admin/generations?from=&to=&<same filters>&format=&cursor=&limit=&order=asc|desc
//       the raw rows with their attempts, oldest first (order=desc: newest first, the cursor
//       walking down). Without `limit` every matching row
//       is streamed page by page (flat memory); with one (<= 10000) one page, and the
//       X-Next-Cursor header says where the next starts.
#pragma once

#include <httplib.h>

#include "proxy/admin/admin_services.h"

namespace switchyard::proxy::admin {

void handle_activity(const AdminServices& s, const httplib::Request& req, httplib::Response& res);
void handle_usage(const AdminServices& s, const httplib::Request& req, httplib::Response& res);
void handle_overview(const AdminServices& s, const httplib::Request& req, httplib::Response& res);
void handle_generations(const AdminServices& s, const httplib::Request& req, httplib::Response& res);

}  // namespace switchyard::proxy::admin
