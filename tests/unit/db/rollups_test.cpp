// Hourly rollups stay exactly equal to the sums over the raw rows they summarize: after a
// random workload with duplicates, after a batch that fails and is retried row by row, and
// after the writing process is killed between (or inside) batches.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>
#include <tuple>

#include "db/calendar.h"
#include "db/ledger_writer.h"
#include "db/store.h"
#include "temp_db.h"

using namespace switchyard::db;
using switchyard::db::testing::TempDb;

namespace {

UsageRecord random_record(std::mt19937_64& rng, int n) {
  static const char* models[] = {"m/a", "m/b", "m/c"};
  static const char* apps[] = {"", "Acme, Inc.", "say \"hi\""};
  UsageRecord r;
  r.generation_id = "gen-" + std::to_string(n);
  r.key_hash = std::string(64, "abc"[rng() % 3]);
  r.model = models[rng() % 3];
  r.provider = rng() % 2 ? "p1" : "p2";
  r.upstream_model = r.model + std::string("-up");
  r.x_title = apps[rng() % 3];
  r.http_referer = rng() % 2 ? "https://acme.example" : "";
  r.api = rng() % 2 ? "chat" : "messages";
  r.status = std::array{200, 200, 200, 402, 429, 499, 502}[rng() % 7];
  r.prompt_tokens = static_cast<int64_t>(rng() % 5000);
  r.completion_tokens = static_cast<int64_t>(rng() % 900);
  r.cached_tokens = static_cast<int64_t>(rng() % 100);
  r.reasoning_tokens = static_cast<int64_t>(rng() % 50);
  r.cost_pico = static_cast<int64_t>(rng() % 10'000'000);
  if (rng() % 4) r.latency_ms = static_cast<int64_t>(rng() % 12000);
  r.generation_ms = static_cast<int64_t>(rng() % 15000);
  r.created = 1'764'547'200'000 + static_cast<int64_t>(rng() % (40LL * 86'400'000));  // 40 days from 2025-12-01
  return r;
}

using Group = std::tuple<int64_t, std::string, std::string, std::string, std::string, std::string>;

// Sums written independently of db/rollups.cpp: day x key x model x provider x app x status.
std::map<Group, std::array<int64_t, 9>> expected_sums(const std::vector<UsageRecord>& rows) {
  std::map<Group, std::array<int64_t, 9>> out;
  for (const auto& r : rows) {
    std::string app = r.x_title.empty() ? r.http_referer : r.x_title;
    std::string cls = r.status >= 500 ? "5xx" : r.status >= 400 ? "4xx" : "2xx";
    auto& s = out[Group{utc_day_start(r.created), r.key_hash, r.model, r.provider, app, cls}];
    s[0] += 1;
    s[1] += r.prompt_tokens;
    s[2] += r.completion_tokens;
    s[3] += r.cached_tokens;
    s[4] += r.reasoning_tokens;
    s[5] += r.cost_pico;
    s[6] += r.status >= 400;
    s[7] += r.latency_ms.value_or(0);
    s[8] += r.generation_ms;
  }
  return out;
}

std::map<Group, std::array<int64_t, 9>> rolled_up(Store& s) {
  UsageQuery q{0, INT64_MAX / 2, Granularity::day,
               {GroupField::key, GroupField::model, GroupField::provider, GroupField::app, GroupField::status}, {}};
  std::map<Group, std::array<int64_t, 9>> out;
  auto buckets = *s.usage_rollups(q);
  for (const auto& b : buckets) {
    const auto& c = b.counts;
    out[Group{b.period_start_ms, b.group.at(GroupField::key), b.group.at(GroupField::model),
              b.group.at(GroupField::provider), b.group.at(GroupField::app), b.group.at(GroupField::status)}] = {
        c.requests, c.prompt_tokens, c.completion_tokens, c.cached_tokens, c.reasoning_tokens,
        c.cost_pico, c.errors, c.latency_ms_sum, c.generation_ms_sum};
  }
  return out;
}

std::vector<UsageRecord> raw_rows(Store& s) { return *s.activity(ActivityQuery{0, INT64_MAX, std::nullopt, 0}); }

using Sums = std::map<std::vector<std::string>, std::array<int64_t, 4>>;

std::string field_of(const UsageRecord& r, GroupField f) {
  switch (f) {
    case GroupField::key: return r.key_hash;
    case GroupField::model: return r.model;
    case GroupField::provider: return r.provider;
    case GroupField::app: return r.x_title.empty() ? r.http_referer : r.x_title;
    case GroupField::api: return r.api;
    case GroupField::status: return r.status >= 500 ? "5xx" : r.status >= 400 ? "4xx" : "2xx";
  }
  return "";
}

// Requests, tokens, cost and errors per (period, fields...), summed here from the raw rows.
Sums raw_sums(const std::vector<UsageRecord>& rows, Granularity g, const std::vector<GroupField>& by) {
  Sums out;
  for (const auto& r : rows) {
    std::vector<std::string> k = {std::to_string(g == Granularity::hour ? r.created / 3'600'000 * 3'600'000 : utc_day_start(r.created))};
    for (auto f : by) k.push_back(field_of(r, f));
    auto& s = out[k];
    s[0] += 1;
    s[1] += r.prompt_tokens + r.completion_tokens;
    s[2] += r.cost_pico;
    s[3] += r.status >= 400;
  }
  return out;
}

Sums cube_sums(Store& s, Granularity g, const std::vector<GroupField>& by) {
  Sums out;
  auto buckets = *s.usage_rollups(UsageQuery{0, 4'000'000'000'000, g, by, {}});
  for (const auto& b : buckets) {
    std::vector<std::string> k = {std::to_string(b.period_start_ms)};
    for (auto f : by) k.push_back(b.group.at(f));
    out[k] = {b.counts.requests, b.counts.prompt_tokens + b.counts.completion_tokens, b.counts.cost_pico, b.counts.errors};
  }
  return out;
}

}  // namespace

TEST_CASE("rollups equal the raw sums after a random workload with duplicates", "[db][rollups]") {
  const int seed = GENERATE(1, 2, 3);
  FOR_EACH_STORE(tmp);
  auto s = std::move(*open_store(tmp.path()));
  std::mt19937_64 rng(seed);
  int n = 0;
  for (int batch = 0; batch < 30; ++batch) {
    std::vector<UsageRecord> rows;
    for (size_t i = rng() % 200; i > 0; --i) rows.push_back(random_record(rng, n++));
    if (!rows.empty() && rng() % 3 == 0) rows.push_back(rows.front());  // a retried copy
    REQUIRE(s->insert_usage_batch(rows));
  }
  auto raw = raw_rows(*s);
  REQUIRE(static_cast<int>(raw.size()) == n);
  CHECK(rolled_up(*s) == expected_sums(raw));
  // Every cube agrees with the raw rows: each of these is answered by a different one.
  using G = GroupField;
  for (auto [g, by] : std::vector<std::pair<Granularity, std::vector<G>>>{
           {Granularity::day, {}},
           {Granularity::day, {G::model, G::provider}},
           {Granularity::day, {G::app, G::status}},
           {Granularity::day, {G::key, G::model}},
           {Granularity::hour, {G::model, G::api}},
           {Granularity::hour, {G::key, G::app}},
       }) {
    INFO(by.size() << " fields, " << granularity_name(g));
    CHECK(cube_sums(*s, g, by) == raw_sums(raw, g, by));
  }
  // Histograms count every row once.
  UsageQuery all{0, INT64_MAX / 2, Granularity::month, {}, {}};
  int64_t lat = 0, gen = 0, with_latency = 0;
  auto months = *s->usage_rollups(all);
  for (const auto& b : months) {
    for (auto v : b.counts.latency_hist) lat += v;
    for (auto v : b.counts.generation_hist) gen += v;
    with_latency += b.counts.latency_count;
  }
  CHECK(gen == n);
  CHECK(lat == with_latency);
}

TEST_CASE("a failed batch leaves rollups untouched and the row-by-row retry keeps them exact", "[db][rollups]") {
  FOR_EACH_STORE(tmp);
  std::mt19937_64 rng(7);
  std::vector<UsageRecord> batch;
  for (int i = 0; i < 50; ++i) batch.push_back(random_record(rng, i));
  batch[20].cost_pico = -1;  // refused by the CHECK: the whole transaction rolls back
  {
    auto s = std::move(*open_store(tmp.path()));
    CHECK_FALSE(s->insert_usage_batch(batch));
    CHECK(rolled_up(*s).empty());
  }
  {
    auto writer = std::move(*LedgerWriter::open(tmp.path()));
    for (auto& r : batch) writer->push(r);
    writer->flush();
    CHECK(writer->stats().records_failed == 1);
  }
  auto s = std::move(*open_store(tmp.path()));
  auto raw = raw_rows(*s);
  CHECK(raw.size() == 49);
  CHECK(rolled_up(*s) == expected_sums(raw));
}

TEST_CASE("a writer killed between and inside batches leaves rollups equal to its rows", "[db][rollups]") {
  FOR_EACH_STORE(tmp);
  REQUIRE(open_store(tmp.path()));
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto s = open_store(tmp.path());
    std::mt19937_64 rng(11);
    int n = 0;
    for (int batch = 0;; ++batch) {
      std::vector<UsageRecord> rows;
      for (int i = 0; i < 100; ++i) rows.push_back(random_record(rng, n++));
      if (!(*s)->insert_usage_batch(rows)) _exit(3);
      if (batch == 5) (void)!write(ready[1], "x", 1);  // some batches are in: kill any time now
    }
  }
  char c;
  REQUIRE(read(ready[0], &c, 1) == 1);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  close(ready[0]);
  close(ready[1]);
  auto s = std::move(*open_store(tmp.path()));
  auto raw = raw_rows(*s);
  CHECK(raw.size() >= 600);
  CHECK(raw.size() % 100 == 0);  // whole batches only
  CHECK(rolled_up(*s) == expected_sums(raw));
}

TEST_CASE("rollups group by any field, filter, and bucket by UTC hour, day, Monday week and month", "[db][rollups]") {
  FOR_EACH_STORE(tmp);
  auto s = std::move(*open_store(tmp.path()));
  auto row = [](const char* id, const char* iso, const char* model, int64_t cost) {
    UsageRecord r;
    r.generation_id = id;
    r.key_hash = std::string(64, 'k');
    r.model = model;
    r.provider = "p";
    r.api = "chat";
    r.status = 200;
    r.cost_pico = cost;
    r.created = *parse_iso8601(iso);
    return r;
  };
  REQUIRE(s->insert_usage_batch({row("a", "2026-11-29T23:30:00Z", "m/x", 1),   // a Sunday
                                 row("b", "2026-11-30T00:10:00Z", "m/x", 10),  // Monday
                                 row("c", "2026-11-30T00:50:00Z", "m/y", 100),
                                 row("d", "2026-12-01T09:00:00Z", "m/x", 1000)}));
  auto sum_by = [&](Granularity g, std::map<GroupField, std::string> where = {}) {
    std::vector<std::pair<std::string, int64_t>> out;
    auto buckets = *s->usage_rollups(UsageQuery{0, INT64_MAX / 2, g, {}, where});
    for (const auto& b : buckets)
      out.emplace_back(format_iso8601(b.period_start_ms).substr(0, 13), b.counts.cost_pico);
    return out;
  };
  using V = std::vector<std::pair<std::string, int64_t>>;
  CHECK(sum_by(Granularity::hour) == V{{"2026-11-29T23", 1}, {"2026-11-30T00", 110}, {"2026-12-01T09", 1000}});
  CHECK(sum_by(Granularity::day) == V{{"2026-11-29T00", 1}, {"2026-11-30T00", 110}, {"2026-12-01T00", 1000}});
  CHECK(sum_by(Granularity::week) == V{{"2026-11-23T00", 1}, {"2026-11-30T00", 1110}});
  CHECK(sum_by(Granularity::month) == V{{"2026-11-01T00", 111}, {"2026-12-01T00", 1000}});
  CHECK(sum_by(Granularity::month, {{GroupField::model, "m/x"}}) == V{{"2026-11-01T00", 11}, {"2026-12-01T00", 1000}});
  auto by_model = *s->usage_rollups(UsageQuery{0, INT64_MAX / 2, Granularity::month, {GroupField::model}, {}});
  REQUIRE(by_model.size() == 3);
  CHECK(by_model[1].group.at(GroupField::model) == "m/y");
  // A range covers the rollup hours it overlaps.
  auto one_hour = *s->usage_rollups(UsageQuery{*parse_iso8601("2026-11-30T00:20:00Z"), *parse_iso8601("2026-11-30T00:30:00Z"),
                                               Granularity::hour, {}, {}});
  REQUIRE(one_hour.size() == 1);
  CHECK(one_hour[0].counts.cost_pico == 110);
}

TEST_CASE("export pages walk every matching raw row once, and retention keeps the rollups", "[db][rollups]") {
  FOR_EACH_STORE(tmp);
  auto s = std::move(*open_store(tmp.path()));
  std::mt19937_64 rng(5);
  std::vector<UsageRecord> rows;
  for (int i = 0; i < 1000; ++i) rows.push_back(random_record(rng, i));
  REQUIRE(s->insert_usage_batch(rows));
  ExportQuery q{0, INT64_MAX, {{GroupField::model, "m/a"}, {GroupField::status, "4xx"}}};
  int64_t cursor = 0, seen = 0;
  for (;;) {
    auto page = *s->usage_page(q, cursor, 37);
    if (page.empty()) break;
    for (const auto& r : page) {
      CHECK(r.id > cursor);
      CHECK(r.record.model == "m/a");
      CHECK(r.record.status >= 400);
      CHECK(r.record.status < 500);
      cursor = r.id;
      ++seen;
    }
  }
  int64_t expected = 0;
  for (const auto& r : rows) expected += r.model == "m/a" && r.status >= 400 && r.status < 500;
  CHECK(seen == expected);
  ExportQuery exact{0, INT64_MAX, {{GroupField::status, "429"}}};
  auto exact_rows = *s->usage_page(exact, 0, 10000);
  for (const auto& r : exact_rows) CHECK(r.record.status == 429);

  auto before = rolled_up(*s);
  int64_t cutoff = 1'764'547'200'000 + 20LL * 86'400'000;
  auto pruned = s->prune_usage(cutoff);
  REQUIRE(pruned);
  CHECK(*pruned > 0);
  auto kept = raw_rows(*s);
  for (const auto& r : kept) CHECK(r.created >= cutoff);
  CHECK(rolled_up(*s) == before);
}

TEST_CASE("a query reads the smallest cube that holds its fields at its grain", "[db][rollups]") {
  using G = GroupField;
  constexpr int64_t day = 86'400'000;
  auto cube_in = [](int64_t from, int64_t to, Granularity g, std::vector<G> by, std::map<G, std::string> where) {
    return cube_for(whole_periods(UsageQuery{from, to, g, by, where})).id;
  };
  auto cube = [&](Granularity g, std::vector<G> by, std::map<G, std::string> where = {}) {
    return cube_in(10 * day, 20 * day, g, by, where);
  };
  CHECK(cube(Granularity::day, {}) == 3);
  CHECK(cube(Granularity::month, {G::model, G::provider}) == 3);
  CHECK(cube(Granularity::day, {G::app}) == 5);
  CHECK(cube(Granularity::week, {G::model}, {{G::key, "k"}}) == 4);
  CHECK(cube(Granularity::hour, {G::model}) == 2);
  CHECK(cube(Granularity::day, {G::key, G::app}) == 1);
  CHECK(cube(Granularity::hour, {G::key}) == 0);
  // A day range that does not start at midnight still reads whole days.
  CHECK(cube_in(10 * day + 5, 20 * day - 5, Granularity::day, {}, {}) == 3);
  auto widened = whole_periods(UsageQuery{10 * day + 5, 20 * day - 5, Granularity::day, {}, {}});
  CHECK(widened.from_ms == 10 * day);
  CHECK(widened.to_ms == 20 * day);
}
