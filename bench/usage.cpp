// bench/usage: exports and the dashboard on a ledger of a million rows.
//   1. Seeds N usage rows (default 1,000,000) over 30 days with a realistic skew (a few
//      keys, models and apps carry most traffic) through the store, rollups included:
//      rows/s written.
//   2. Serves them and times, over HTTP (median of 5): the dashboard overview (its five
//      queries), /api/v1/activity, a month of hourly CSV by model and provider, and the raw
//      CSV export of every row (rows/s, with the process's RSS before, after and at peak).
//   3. The hot path: what recording a request's metrics adds (RequestLedger::finish with
//      and without metrics, same run).
//
//   bench_usage [--rows N] [--db PATH (kept; seeded only when it does not exist)]
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "db/calendar.h"
#include "db/ledger_writer.h"
#include "db/store.h"
#include "proxy/config/config.h"
#include "proxy/pipeline/request_ledger.h"
#include "proxy/server/app.h"

using namespace switchyard;
using Clock = std::chrono::steady_clock;

namespace {

long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field));
  return 0;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c + "\n";
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

int64_t g_rows = 1;  // rows being seeded

// Zipf-ish: index i drawn with weight 1 / (i + 1).
size_t skewed(std::mt19937_64& rng, size_t n) {
  static thread_local std::vector<double> w;
  w.assign(n, 0);
  for (size_t i = 0; i < n; ++i) w[i] = 1.0 / static_cast<double>(i + 1);
  return std::discrete_distribution<size_t>(w.begin(), w.end())(rng);
}

db::UsageRecord random_row(std::mt19937_64& rng, int64_t n, int64_t start_ms) {
  static const char* models[] = {"microsoft/wizardlm-2-8x22b", "meta/llama-3-70b", "mistral/mixtral-8x7b",
                                 "qwen/qwen-2.5-72b", "google/gemma-2-27b", "deepseek/v3", "anthropic/claude", "x/y"};
  static const char* providers[] = {"deepinfra", "openrouter", "local"};
  static const char* apps[] = {"Acme Chat", "", "Docs, \"beta\"", "CLI", "Notebook", "Agent", "Eval", "Crawler"};
  db::UsageRecord r;
  r.generation_id = "gen-bench-" + std::to_string(n);
  r.key_hash = std::string(60, 'k') + std::to_string(1000 + skewed(rng, 50));
  size_t m = skewed(rng, 8);
  r.model = models[m];
  r.provider = providers[(m + rng() % 2) % 3];
  r.upstream_model = r.model;
  r.x_title = apps[skewed(rng, 8)];
  r.api = rng() % 10 ? "chat" : "messages";
  r.status = rng() % 50 ? 200 : (rng() % 2 ? 429 : 502);
  r.prompt_tokens = 100 + static_cast<int64_t>(rng() % 4000);
  r.completion_tokens = static_cast<int64_t>(rng() % 800);
  r.cost_pico = (r.prompt_tokens + r.completion_tokens) * 650000;
  r.latency_ms = 50 + static_cast<int64_t>(rng() % 2000);
  r.generation_ms = static_cast<int64_t>(rng() % 9000);
  r.total_ms = *r.latency_ms + r.generation_ms;
  // In time order, as a ledger writes them (n of `rows` spread over 30 days).
  r.created = start_ms + n * (30LL * 86'400'000) / g_rows;
  return r;
}

double seed(const std::string& url, int64_t rows, int64_t start_ms) {
  g_rows = rows;
  auto store = db::open_store(url);
  std::mt19937_64 rng(42);
  auto t = Clock::now();
  for (int64_t done = 0; done < rows;) {
    std::vector<db::UsageRecord> batch;
    for (int i = 0; i < 10000 && done < rows; ++i, ++done) batch.push_back(random_row(rng, done, start_ms));
    if (!(*store)->insert_usage_batch(batch)) std::fprintf(stderr, "seed: a batch failed\n");
  }
  return static_cast<double>(rows) / (ms_since(t) / 1000.0);
}

// The median time of five GETs, and the last body's size.
std::pair<double, size_t> timed_get(httplib::Client& c, const std::string& path, const httplib::Headers& h) {
  std::vector<double> times;
  size_t bytes = 0;
  for (int i = 0; i < 5; ++i) {
    auto t = Clock::now();
    auto r = c.Get(path.c_str(), h);
    times.push_back(ms_since(t));
    if (!r || r->status != 200) std::fprintf(stderr, "GET %s failed\n", path.c_str());
    else bytes = r->body.size();
  }
  std::sort(times.begin(), times.end());
  return {times[2], bytes};
}

void hot_path(int64_t n) {
  auto dir = std::filesystem::temp_directory_path() / ("switchyard-bench-hot-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto writer = db::LedgerWriter::open((dir / "hot.db").string());
  proxy::HealthTracker health(proxy::HealthOptions{3, 30000, 0, 30, 60000}, nullptr);
  proxy::metrics::ProxyMetrics metrics;
  auto key = std::make_shared<proxy::KeyEntry>(std::string(64, 'k'), proxy::KeySettings{}, 0, 0, 0);
  auto run = [&](proxy::metrics::ProxyMetrics* m) {
    auto t = Clock::now();
    for (int64_t i = 0; i < n; ++i) {
      proxy::RequestLedger l(proxy::LedgerServices{writer->get(), &health, nullptr, m, {}, nullptr}, proxy::ApiSurface::chat);
      l.set_key(key);
      l.served(proxy::EndpointId{"m/x", "p", "up"}, proxy::AttemptOutcome{true, 200});
      proxy::Outcome o;
      o.usage.prompt_tokens = 100;
      o.usage.completion_tokens = 20;
      o.cost = billing::Picodollars(12345);
      l.finish(o);
    }
    double ns = std::chrono::duration<double, std::nano>(Clock::now() - t).count() / static_cast<double>(n);
    (*writer)->flush();
    return ns;
  };
  run(nullptr);  // warm the writer and the caches
  double without = run(nullptr), with = run(&metrics);
  std::printf("hot path: RequestLedger::finish %.0f ns/request without metrics, %.0f ns with (+%.0f ns)\n", without,
              with, with - without);
  std::printf("  rollups run on the ledger writer's thread, not the request's: they add 0 to the hot path\n");
  writer->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 1'000'000;
  std::string kept;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--rows") rows = std::atoll(argv[i + 1]);
    if (std::string(argv[i]) == "--db") kept = argv[i + 1];
  }
  auto dir = std::filesystem::temp_directory_path() / ("switchyard-bench-usage-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string url = kept.empty() ? (dir / "usage.db").string() : kept;
  const int64_t now = db::now_unix_ms();
  const int64_t start = db::utc_day_start(now) - 29LL * 86'400'000;
  std::printf("usage: %u cores, load %s", std::thread::hardware_concurrency(), load_average().c_str());
  if (kept.empty() || !std::filesystem::exists(kept)) {
    std::printf("  seeding %lld rows over 30 days\n", static_cast<long long>(rows));
    std::printf("  rows written in time order, batches of 10,000, with every rollup cube: %.0f rows/s\n",
              seed(url, rows, start));
  }

  std::string yaml = "providers: []\nmodels: []\n";
  proxy::AppOptions opts;
  opts.config = *proxy::parse_config(yaml, "bench.yaml");
  opts.database_url = url;
  opts.quiet = true;
  auto app = proxy::App::create(opts);
  int port = *(*app)->bind("127.0.0.1", 0);
  std::thread server([&] { (*app)->serve(); });
  std::string admin = (*db::open_store(url))->create_key(db::NewKey{"bench", {}, "", {}, true, {}, {}, {}})->key;
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(300, 0);
  httplib::Headers h = {{"Authorization", "Bearer " + admin}};

  std::string range = "from=" + db::format_iso8601(start) + "&to=" + db::format_iso8601(now + 1);
  std::printf("  dashboard overview (/api/v1/admin/overview, 30 days): %.1f ms\n",
              timed_get(c, "/api/v1/admin/overview?" + range, h).first);
  std::printf("  /api/v1/activity: %.1f ms\n", timed_get(c, "/api/v1/activity", h).first);
  auto [hourly_ms, hourly_bytes] =
      timed_get(c, "/api/v1/admin/usage?granularity=hour&group_by=model,provider&format=csv&" + range, h);
  std::printf("  a month of hourly CSV by model and provider: %.1f ms (%zu bytes)\n", hourly_ms, hourly_bytes);

  long rss_before = status_kib("VmRSS:");
  size_t bytes = 0, lines = 0;
  auto t = Clock::now();
  c.Get(("/api/v1/admin/generations?format=csv&" + range).c_str(), h, [&](const char* data, size_t n) {
    bytes += n;
    lines += static_cast<size_t>(std::count(data, data + n, '\n'));
    return true;
  });
  double secs = ms_since(t) / 1000.0;
  std::printf("  raw CSV export: %zu rows in %.2f s = %.0f rows/s (%.1f MB); RSS %ld -> %ld KiB, peak %ld KiB\n",
              lines - 1, secs, static_cast<double>(lines - 1) / secs, static_cast<double>(bytes) / 1e6, rss_before,
              status_kib("VmRSS:"), status_kib("VmHWM:"));
  (*app)->stop();
  server.join();
  hot_path(200'000);
  std::filesystem::remove_all(dir);
  return 0;
}
