// bench/cluster: three instances on PostgreSQL against one on SQLite, in the same run.
//
//  1. Ledger rows/s: usage rows pushed into a LedgerWriter and flushed, on a SQLite file,
//     on PostgreSQL with one writer, and on PostgreSQL with three writers at once (three
//     instances' ledgers).
//  2. Requests: a fast mock upstream; wrk at 32 connections per instance against one
//     instance on SQLite, then against three instances on one PostgreSQL store at the same
//     time (three wrk processes). Prints req/s (total), p50, and the p50 added over the
//     upstream driven directly. A second row per setup uses a key with a budget, so the
//     reservation (in memory on SQLite, one conditional UPDATE on PostgreSQL) is measured.
//
// Needs a PostgreSQL server: SWITCHYARD_TEST_PG_URL (scripts/test_servers.sh start DIR, then
// `set -a; . DIR/env`), and wrk.
//   bench_cluster [--seconds N] [--rows N]
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "db/ledger_writer.h"
#include "db/store.h"
#include "proxy/config/config.h"
#include "proxy/server/app.h"
#include "bench/proxy_bench.h"

using namespace switchyard;

namespace {


struct WrkResult {
  double rps = 0, p50_us = 0;
  long requests = 0, errors = 0;
};

double to_us(double v, const std::string& unit) { return unit == "ms" ? v * 1e3 : unit == "s" ? v * 1e6 : v; }

WrkResult run_wrk(const std::string& url, int connections, int seconds, const std::string& lua, const std::string& key) {
  std::string cmd = "WRK_KEY=" + key + " wrk -t2 -c" + std::to_string(connections) + " -d" + std::to_string(seconds) +
                    "s --latency -s " + lua + " " + url + " 2>&1";
  std::string raw;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (fgets(buf, sizeof buf, p)) raw += buf;
    pclose(p);
  }
  WrkResult r;
  std::smatch m;
  if (std::regex_search(raw, m, std::regex(R"(Requests/sec:\s+([\d.]+))"))) r.rps = std::stod(m[1]);
  if (std::regex_search(raw, m, std::regex(R"(50%\s+([\d.]+)(us|ms|s))"))) r.p50_us = to_us(std::stod(m[1]), m[2]);
  if (std::regex_search(raw, m, std::regex(R"((\d+) requests in)"))) r.requests = std::stol(m[1]);
  if (std::regex_search(raw, m, std::regex(R"(Non-2xx or 3xx responses:\s+(\d+))"))) r.errors = std::stol(m[1]);
  return r;
}

db::UsageRecord row(const std::string& tag, int i) {
  db::UsageRecord r;
  r.generation_id = "gen-bench-" + tag + "-" + std::to_string(i);
  r.key_hash = std::string(64, 'a' + i % 8);
  r.model = "bench/model";
  r.provider = "up";
  r.upstream_model = "m";
  r.prompt_tokens = 9;
  r.completion_tokens = 2;
  r.cost_pico = 7'150'000;
  r.status = 200;
  r.latency_ms = 1;
  r.api = "chat";
  r.attempts = {db::AttemptRecord{0, "up", "m", 200, "", "", 1, 0}};
  return r;
}

// Rows/s of `writers` ledgers pushing `rows` each at once into `url`.
double ledger_rate(const std::string& url, int writers, int rows, const std::string& tag) {
  std::vector<std::unique_ptr<db::LedgerWriter>> w;
  for (int i = 0; i < writers; ++i) w.push_back(std::move(*db::LedgerWriter::open(url)));
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> t;
  for (int i = 0; i < writers; ++i)
    t.emplace_back([&, i] {
      for (int n = 0; n < rows; ++n) w[i]->push(row(tag + std::to_string(i), n));
      w[i]->flush();
    });
  for (auto& th : t) th.join();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return writers * rows / s;
}

struct Instance {
  std::unique_ptr<proxy::App> app;
  std::thread thread;
  int port = 0;
};

Instance start(const std::shared_ptr<const proxy::Config>& cfg, const std::string& url) {
  Instance in;
  proxy::AppOptions opts;
  opts.config = cfg;
  opts.database_url = url;
  opts.quiet = true;
  auto app = proxy::App::create(opts);
  if (!app) {
    std::fprintf(stderr, "%s\n", app.error().message.c_str());
    std::exit(1);
  }
  in.app = std::move(*app);
  in.port = *in.app->bind("127.0.0.1", 0);
  in.thread = std::thread([a = in.app.get()] { a->serve(); });
  return in;
}

void stop(Instance& in) {
  in.app->stop();
  in.thread.join();
}

// wrk against every instance at once; total req/s, mean p50.
WrkResult drive(const std::vector<Instance*>& ins, int seconds, const std::string& lua, const std::string& key) {
  std::vector<std::future<WrkResult>> f;
  for (Instance* in : ins)
    f.push_back(std::async(std::launch::async, [=] {
      return run_wrk("http://127.0.0.1:" + std::to_string(in->port) + "/v1/chat/completions", 32, seconds, lua, key);
    }));
  WrkResult total;
  for (auto& x : f) {
    WrkResult r = x.get();
    total.rps += r.rps;
    total.p50_us += r.p50_us / static_cast<double>(ins.size());
    total.requests += r.requests;
    total.errors += r.errors;
  }
  return total;
}

void print(const char* label, const WrkResult& r, double base_p50) {
  std::printf("  %-40s %9.0f req/s  p50 %7.1f us (added %+7.1f us)  %ld requests, %ld non-2xx\n", label, r.rps, r.p50_us,
              r.p50_us - base_p50, r.requests, r.errors);
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 10, rows = 100000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--seconds") seconds = std::atoi(argv[i + 1]);
    else if (a == "--rows") rows = std::atoi(argv[i + 1]);
  }
  const char* pg_env = std::getenv("SWITCHYARD_TEST_PG_URL");
  if (!pg_env || !*pg_env) return std::fprintf(stderr, "set SWITCHYARD_TEST_PG_URL (scripts/test_servers.sh start DIR)\n"), 1;
  const std::string pg = pg_env;
  auto tmp = std::filesystem::temp_directory_path() / ("switchyard-bench-cluster-" + std::to_string(getpid()));
  std::filesystem::create_directories(tmp);
  std::printf("cluster: %u cores, %d rows per ledger, wrk %ds per run at 32 connections per instance\n",
              std::thread::hardware_concurrency(), rows, seconds);

  std::printf("ledger rows/s (push + flush):\n");
  std::printf("  SQLite, 1 writer:        %9.0f\n", ledger_rate((tmp / "ledger.db").string(), 1, rows, "s"));
  std::printf("  PostgreSQL, 1 writer:    %9.0f\n", ledger_rate(pg, 1, rows, "p1-"));
  std::printf("  PostgreSQL, 3 writers:   %9.0f (total)\n", ledger_rate(pg, 3, rows, "p3-"));

  httplib::Server upstream;
  upstream.new_task_queue = [] { return new httplib::ThreadPool(256); };
  upstream.set_keep_alive_max_count(1000000);
  upstream.set_tcp_nodelay(true);
  upstream.Post("/v1/chat/completions", [](const httplib::Request&, httplib::Response& res) { res.set_content(bench::kChatReply, "application/json"); });
  int up_port = bench::bind_upstream(upstream);
  std::thread up_thread([&] { upstream.listen_after_bind(); });
  std::string yaml = "server: { threads: 64, keep_alive_max_count: 1000000 }\nproviders:\n  - { name: up, kind: openai, base_url: \"http://127.0.0.1:" +
                     std::to_string(up_port) +
                     "/v1\" }\nmodels:\n  - id: bench/model\n    context_length: 4096\n    endpoints:\n"
                     "      - { provider: up, model: m, pricing: { prompt: 0.65, completion: 0.65 } }\n";
  auto cfg = proxy::parse_config(yaml, "bench.yaml");
  if (!cfg) return std::fprintf(stderr, "%s\n", cfg.error().message.c_str()), 1;
  std::string lua = (tmp / "post.lua").string();
  {
    std::ofstream f(lua);
    f << "wrk.method = \"POST\"\nwrk.body = '" << bench::kChatBody << "'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
      << "local key = os.getenv(\"WRK_KEY\")\nif key ~= \"\" then wrk.headers[\"Authorization\"] = \"Bearer \" .. key end\n";
  }
  auto keys_in = [](const std::string& url) {
    auto s = std::move(*db::open_store(url));
    std::string plain = s->create_key("bench")->key;
    std::string limited = s->create_key("bench-limited", int64_t{1'000'000} * 1'000'000'000'000)->key;
    return std::pair{plain, limited};
  };
  Instance direct;
  direct.port = up_port;
  WrkResult base = drive({&direct}, seconds, lua, "");
  std::printf("requests (32 connections per instance):\n");
  print("upstream directly", base, base.p50_us);

  {
    std::string url = (tmp / "serve.db").string();
    auto [plain, limited] = keys_in(url);
    Instance one = start(*cfg, url);
    drive({&one}, 1, lua, plain);  // warm
    print("1 instance on SQLite", drive({&one}, seconds, lua, plain), base.p50_us);
    print("1 instance on SQLite, key with a budget", drive({&one}, seconds, lua, limited), base.p50_us);
    stop(one);
  }
  {
    auto [plain, limited] = keys_in(pg);
    Instance a = start(*cfg, pg), b = start(*cfg, pg), c = start(*cfg, pg);
    drive({&a, &b, &c}, 1, lua, plain);
    print("3 instances on PostgreSQL (total)", drive({&a, &b, &c}, seconds, lua, plain), base.p50_us);
    print("3 instances on PostgreSQL, shared budget", drive({&a, &b, &c}, seconds, lua, limited), base.p50_us);
    for (Instance* in : {&a, &b, &c}) stop(*in);
  }
  upstream.stop();
  up_thread.join();
  std::filesystem::remove_all(tmp);
  return 0;
}
