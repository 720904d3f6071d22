#include "proxy/admin/usage_api.h"

#include "db/calendar.h"
#include "providers/json_writer.h"
#include "proxy/admin/query_params.h"
#include "proxy/admin/usage_tables.h"
#include "proxy/billing/money.h"
#include "proxy/http/error.h"

namespace switchyard::proxy::admin {

namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kPageRows = 2000;

Error store_error(const db::Error& e) { return Error{ErrorKind::internal, "store: " + e.message, 0, {}, 0}; }
Error bad(const std::string& param, const std::string& message) {
  return Error{ErrorKind::invalid_argument, message, 0, "{\"param\":\"" + param + "\"}", 0};
}

// key=, model=, provider=, app=, api=, status= : the filters every export takes.
std::map<db::GroupField, std::string> filters(const httplib::Request& req) {
  std::map<db::GroupField, std::string> where;
  for (auto f : {db::GroupField::key, db::GroupField::model, db::GroupField::provider, db::GroupField::app,
                 db::GroupField::api, db::GroupField::status})
    if (req.has_param(db::group_field_name(f))) where[f] = req.get_param_value(db::group_field_name(f));
  return where;
}

Result<std::vector<db::GroupField>> group_by(const httplib::Request& req) {
  std::vector<db::GroupField> out;
  std::string list = req.get_param_value("group_by");
  size_t start = 0;
  while (start < list.size()) {
    size_t comma = list.find(',', start);
    std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto f = db::parse_group_field(name);
    if (!f) return std::unexpected(bad("group_by", "group_by takes key, model, provider, app, api and status, got '" + name + "'"));
    if (std::find(out.begin(), out.end(), *f) == out.end()) out.push_back(*f);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<TableFormat> format_of(const httplib::Request& req) {
  if (!req.has_param("format")) return TableFormat::json;
  auto f = parse_table_format(req.get_param_value("format"));
  if (!f) return std::unexpected(bad("format", "format must be json, csv or ndjson"));
  return *f;
}

// [from, to): default the last 30 days to now.
Result<std::pair<int64_t, int64_t>> range_of(const httplib::Request& req, int64_t now) {
  auto to = time_param(req, "to", now + 1);
  if (!to) return std::unexpected(to.error());
  auto from = time_param(req, "from", *to - 30 * kDayMs);
  if (!from) return std::unexpected(from.error());
  if (*from >= *to) return std::unexpected(bad("from", "from must be before to"));
  return std::pair{*from, *to};
}

// Who may see whose activity: a management key every key's (optionally one), any other
// key only its own.
Result<std::optional<std::string>> activity_scope(const AdminServices& s, const httplib::Request& req) {
  auto key = s.keys->authenticate(req.get_header_value("Authorization"));
  if (!key) return std::unexpected(key.error());
  std::optional<std::string> wanted;
  if (req.has_param("api_key_hash")) wanted = req.get_param_value("api_key_hash");
  if ((*key)->settings().management) return wanted;
  if (wanted && *wanted != (*key)->key_hash)
    return fail(ErrorKind::forbidden, "An ordinary key sees its own activity only (api_key_hash is another key's)");
  return std::optional<std::string>((*key)->key_hash);
}

void write_activity(JsonWriter& w, const std::vector<db::UsageBucket>& buckets) {
  w.begin_object().key("data").begin_array();
  for (const auto& b : buckets) {
    w.begin_object().field("date", db::format_iso8601(b.period_start_ms).substr(0, 10));
    w.field("model", b.group.at(db::GroupField::model)).field("provider_name", b.group.at(db::GroupField::provider));
    w.field_raw("usage", billing::usd_string(billing::Picodollars(b.counts.cost_pico)));
    w.field("requests", b.counts.requests).field("prompt_tokens", b.counts.prompt_tokens);
    w.field("completion_tokens", b.counts.completion_tokens).field("reasoning_tokens", b.counts.reasoning_tokens);
    w.end_object();
  }
  w.end_array().end_object();
}

void write_series(JsonWriter& w, const std::vector<db::UsageBucket>& days) {
  w.key("series").begin_array();
  for (const auto& b : days) {
    w.begin_object().field("date", db::format_iso8601(b.period_start_ms).substr(0, 10));
    w.field("requests", b.counts.requests).field("prompt_tokens", b.counts.prompt_tokens);
    w.field("completion_tokens", b.counts.completion_tokens);
    w.field_raw("cost_usd", billing::usd_string(billing::Picodollars(b.counts.cost_pico)));
    w.field("errors", b.counts.errors).end_object();
  }
  w.end_array();
}

// The ten biggest values of `field` by cost over the range (months summed).
Result<void> write_top(JsonWriter& w, db::Store& store, db::UsageQuery q, db::GroupField field) {
  q.granularity = db::Granularity::month;
  q.group_by = {field};
  auto buckets = store.usage_rollups(q);
  if (!buckets) return std::unexpected(store_error(buckets.error()));
  std::map<std::string, db::RollupCounts> sums;
  for (const auto& b : *buckets) sums[b.group.at(field)].add(b.counts);
  std::vector<std::pair<std::string, db::RollupCounts>> top(sums.begin(), sums.end());
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.second.cost_pico > b.second.cost_pico; });
  if (top.size() > 10) top.resize(10);
  w.key(db::group_field_name(field)).begin_array();
  for (const auto& [name, c] : top) {
    w.begin_object().field("name", name).field("requests", c.requests);
    w.field("tokens", c.prompt_tokens + c.completion_tokens);
    w.field_raw("cost_usd", billing::usd_string(billing::Picodollars(c.cost_pico))).end_object();
  }
  w.end_array();
  return {};
}

}  // namespace

void handle_overview(const AdminServices& s, const httplib::Request& req, httplib::Response& res) {
  auto admin = authenticate_admin(s, req);
  if (!admin) return send_error(res, admin.error());
  auto range = range_of(req, s.now_ms());
  if (!range) return send_error(res, range.error());
  s.ledger->flush();
  db::UsageQuery q{range->first, range->second, db::Granularity::day, {}, filters(req)};
  auto days = s.store->usage_rollups(q);
  if (!days) return send_error(res, store_error(days.error()));
  JsonWriter w;
  w.begin_object();
  write_series(w, *days);
  w.key("top").begin_object();
  for (auto f : {db::GroupField::model, db::GroupField::provider, db::GroupField::key, db::GroupField::app})
    if (auto ok = write_top(w, *s.store, q, f); !ok) return send_error(res, ok.error());
  w.end_object().end_object();
  send_json(res, w.take());
}

void handle_activity(const AdminServices& s, const httplib::Request& req, httplib::Response& res) {
  auto scope = activity_scope(s, req);
  if (!scope) return send_error(res, scope.error());
  int64_t today = db::utc_day_start(s.now_ms());
  db::UsageQuery q{today - 29 * kDayMs, today + kDayMs, db::Granularity::day,
                   {db::GroupField::model, db::GroupField::provider}, {}};
  if (req.has_param("date")) {
    auto day = db::parse_iso8601(req.get_param_value("date"));
    if (!day || *day != db::utc_day_start(*day) || *day < q.from_ms || *day >= q.to_ms)
      return send_error(res, bad("date", "date must be a UTC day (YYYY-MM-DD) within the last 30 days"));
    q.from_ms = *day;
    q.to_ms = *day + kDayMs;
  }
  if (*scope) q.where[db::GroupField::key] = **scope;
  s.ledger->flush();
  auto buckets = s.store->usage_rollups(q);
  if (!buckets) return send_error(res, store_error(buckets.error()));
  JsonWriter w;
  write_activity(w, *buckets);
  send_json(res, w.take());
}

void handle_usage(const AdminServices& s, const httplib::Request& req, httplib::Response& res) {
  auto admin = authenticate_admin(s, req);
  if (!admin) return send_error(res, admin.error());
  auto range = range_of(req, s.now_ms());
  auto groups = group_by(req);
  auto format = format_of(req);
  auto granularity = db::parse_granularity(req.has_param("granularity") ? req.get_param_value("granularity") : "day");
  if (!range) return send_error(res, range.error());
  if (!groups) return send_error(res, groups.error());
  if (!format) return send_error(res, format.error());
  if (!granularity) return send_error(res, bad("granularity", "granularity must be hour, day, week or month"));
  s.ledger->flush();
  auto buckets = s.store->usage_rollups(db::UsageQuery{range->first, range->second, *granularity, *groups, filters(req)});
  if (!buckets) return send_error(res, store_error(buckets.error()));
  TableWriter t(*format, usage_columns(*groups));
  std::string body = t.begin();
  for (const auto& b : *buckets) body += t.row(usage_cells(b, *groups));
  body += t.end();
  res.set_content(std::move(body), table_content_type(*format));
}

void handle_generations(const AdminServices& s, const httplib::Request& req, httplib::Response& res) {
  auto admin = authenticate_admin(s, req);
  if (!admin) return send_error(res, admin.error());
  auto range = range_of(req, s.now_ms());
  auto format = format_of(req);
  auto cursor = int_param(req, "cursor", 0, 0, int64_t{1} << 62);
  auto limit = int_param(req, "limit", 0, 1, 10000);
  if (!range) return send_error(res, range.error());
  if (!format) return send_error(res, format.error());
  if (!cursor) return send_error(res, cursor.error());
  if (!limit) return send_error(res, limit.error());
  s.ledger->flush();
  auto order = req.has_param("order") ? req.get_param_value("order") : "asc";
  if (order != "asc" && order != "desc") return send_error(res, bad("order", "order must be asc or desc"));
  db::ExportQuery q{range->first, range->second, filters(req), order == "desc"};
  if (*limit > 0) {  // one page, its continuation in a header
    auto page = s.store->usage_page(q, *cursor, *limit);
    if (!page) return send_error(res, store_error(page.error()));
    TableWriter t(*format, generation_columns());
    std::string body = t.begin();
    for (const auto& r : *page) body += t.row(generation_cells(r));
    body += t.end();
    if (static_cast<int64_t>(page->size()) == *limit) res.set_header("X-Next-Cursor", std::to_string(page->back().id));
    res.set_content(std::move(body), table_content_type(*format));
    return;
  }
  // Every row, a page at a time: the response streams and memory stays flat.
  struct Walk {
    TableWriter table;
    int64_t cursor;
    bool started = false;
  };
  auto walk = std::make_shared<Walk>(Walk{TableWriter(*format, generation_columns()), *cursor});
  db::Store* store = s.store;
  res.set_chunked_content_provider(table_content_type(*format), [walk, store, q](size_t, httplib::DataSink& sink) {
    std::string out = walk->started ? std::string() : walk->table.begin();
    walk->started = true;
    auto page = store->usage_page(q, walk->cursor, kPageRows);
    if (!page) return false;  // the client sees a cut stream: never a silent partial success
    for (const auto& r : *page) out += walk->table.row(generation_cells(r));
    if (!page->empty()) walk->cursor = page->back().id;
    if (static_cast<int64_t>(page->size()) < kPageRows) out += walk->table.end();
    if (!out.empty() && !sink.write(out.data(), out.size())) return false;
    if (static_cast<int64_t>(page->size()) < kPageRows) sink.done();
    return true;
  });
}

}  // namespace switchyard::proxy::admin
