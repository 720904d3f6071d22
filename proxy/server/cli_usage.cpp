// switchyard usage | export: the admin API's usage and generations exports read straight from
// a store URL (no server needed): a table on a terminal, CSV when piped, or --format
// csv|json|ndjson|table.
#include <unistd.h>

#include <cstdio>

#include "db/calendar.h"
#include "db/store.h"
#include "proxy/admin/table_writer.h"
#include "proxy/admin/usage_tables.h"
#include "proxy/server/cli.h"
#include "proxy/server/cli_args.h"

namespace switchyard::proxy::cli {

namespace {

const char* kUsageHelp =
    "usage: switchyard usage [--from ISO8601] [--to ISO8601] [--granularity hour|day|week|month]\n"
    "                        [--group-by key,model,provider,app,api,status] [--key H] [--model M] [--provider P]\n"
    "                        [--app A] [--api A] [--status 2xx|4xx|5xx] [--format table|csv|json|ndjson]\n"
    "                        [--db URL | --config FILE]\n"
    "       switchyard export [the same range and filters] [--format table|csv|json|ndjson]\n"
    "\n"
    "usage sums the hourly rollups per period and group (default: the last 30 days by day);\n"
    "export prints every raw row with its attempts, a page at a time. The format defaults to\n"
    "a table on a terminal and CSV otherwise.\n";

constexpr int64_t kDayMs = 86'400'000;

struct Options {
  db::UsageQuery usage;
  db::ExportQuery exported;
  std::string format;
};

Result<int64_t> time_option(const Args& a, const char* name, int64_t fallback) {
  const std::string* v = a.get(name);
  if (!v) return fallback;
  auto ms = db::parse_iso8601(*v);
  if (!ms) return fail(ErrorKind::invalid_argument, std::string("--") + name + " must be an ISO 8601 time, got '" + *v + "'");
  return *ms;
}

Result<Options> options_from(const Args& a) {
  Options o;
  auto to = time_option(a, "to", db::now_unix_ms() + 1);
  if (!to) return std::unexpected(to.error());
  auto from = time_option(a, "from", *to - 30 * kDayMs);
  if (!from) return std::unexpected(from.error());
  auto g = db::parse_granularity(a.get("granularity") ? *a.get("granularity") : "day");
  if (!g) return fail(ErrorKind::invalid_argument, "--granularity must be hour, day, week or month");
  o.usage = db::UsageQuery{*from, *to, *g, {}, {}};
  if (auto* list = a.get("group-by")) {
    for (size_t start = 0; start <= list->size();) {
      size_t comma = list->find(',', start);
      std::string name = list->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      auto f = db::parse_group_field(name);
      if (!f) return fail(ErrorKind::invalid_argument, "--group-by takes key, model, provider, app, api, status; got '" + name + "'");
      o.usage.group_by.push_back(*f);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  for (auto f : {db::GroupField::key, db::GroupField::model, db::GroupField::provider, db::GroupField::app,
                 db::GroupField::api, db::GroupField::status})
    if (auto* v = a.get(db::group_field_name(f))) o.usage.where[f] = *v;
  o.exported = db::ExportQuery{*from, *to, o.usage.where};
  o.format = a.get("format") ? *a.get("format") : (isatty(1) ? "table" : "csv");
  return o;
}

// Cells as they print in a text table.
std::string plain(const admin::Cell& c) {
  if (auto* s = std::get_if<std::string>(&c)) return *s;
  if (auto* i = std::get_if<int64_t>(&c)) return std::to_string(*i);
  if (auto* n = std::get_if<admin::Number>(&c)) return n->text;
  if (auto* j = std::get_if<admin::Json>(&c)) return j->text;
  return "-";
}

void print_table(const std::vector<std::string>& columns, const std::vector<std::vector<admin::Cell>>& rows) {
  std::vector<size_t> width(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) width[i] = columns[i].size();
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], std::min<size_t>(40, plain(r[i]).size()));
  auto line = [&](auto cell_of) {
    for (size_t i = 0; i < columns.size(); ++i) std::printf("%-*s ", static_cast<int>(width[i]), cell_of(i).substr(0, 40).c_str());
    std::printf("\n");
  };
  line([&](size_t i) { return columns[i]; });
  for (const auto& r : rows) line([&](size_t i) { return plain(r[i]); });
}

int print_rows(const std::string& format, const std::vector<std::string>& columns,
               const std::vector<std::vector<admin::Cell>>& rows) {
  if (format == "table") {
    print_table(columns, rows);
    return 0;
  }
  auto f = admin::parse_table_format(format);
  if (!f) return die("--format must be table, csv, json or ndjson");
  admin::TableWriter t(*f, columns);
  std::string out = t.begin();
  for (const auto& r : rows) out += t.row(r);
  out += t.end();
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (*f == admin::TableFormat::json) std::printf("\n");
  return 0;
}

int usage(db::Store& store, const Options& o) {
  auto buckets = store.usage_rollups(o.usage);
  if (!buckets) return die(buckets.error().message);
  std::vector<std::vector<admin::Cell>> rows;
  for (const auto& b : *buckets) rows.push_back(admin::usage_cells(b, o.usage.group_by));
  return print_rows(o.format, admin::usage_columns(o.usage.group_by), rows);
}

int export_rows(db::Store& store, const Options& o) {
  auto f = o.format == "table" ? std::optional(admin::TableFormat::csv) : admin::parse_table_format(o.format);
  if (!f) return die("--format must be table, csv, json or ndjson");
  admin::TableWriter t(*f, admin::generation_columns());
  std::fputs(t.begin().c_str(), stdout);
  for (int64_t cursor = 0;;) {  // a page at a time: flat memory for any number of rows
    auto page = store.usage_page(o.exported, cursor, 2000);
    if (!page) return die(page.error().message);
    for (const auto& r : *page) std::fputs(t.row(admin::generation_cells(r)).c_str(), stdout);
    if (page->size() < 2000) break;
    cursor = page->back().id;
  }
  std::fputs(t.end().c_str(), stdout);
  if (*f == admin::TableFormat::json) std::printf("\n");
  return 0;
}

}  // namespace

int usage_main(int argc, char** argv, bool raw_rows) {
  Args a = parse_args(argc, argv, 2, {});
  if (a.help) {
    std::fputs(kUsageHelp, stdout);
    return 0;
  }
  if (!a.error.empty()) return die(a.error);
  auto o = options_from(a);
  if (!o) return die(o.error().message);
  auto url = db_url_from(a);
  if (!url) return die(url.error().message);
  auto store = db::open_store(*url);
  if (!store) return die("cannot open database " + db::redact_store_url(*url) + ": " + store.error().message);
  return raw_rows ? export_rows(**store, *o) : usage(**store, *o);
}

}  // namespace switchyard::proxy::cli
