// bench/proxy_overhead: what the proxy adds on top of an upstream.
//
// Starts a fast mock OpenAI-compatible upstream and a Switchyard in this process, then
// drives both with wrk (Debian package) under the same load: first the mock directly (the
// baseline), then through the proxy. Prints requests/s and p50/p99 latency for each and
// the added latency, then runs a long phase and prints the proxy's memory (RSS) across it.
//
// A third row per load goes through a key with a budget and every rate limit set (all far
// from binding): what the budget reservation and the rate limiter add, in the same run.
//
// --upstream nginx serves the fixed reply from nginx (Debian's nginx-light, started as a
// child with its own config in a temp folder) instead of the in-process httplib mock, so
// the direct baseline is not limited by httplib's thread-per-connection server.
//
//   bench_proxy_overhead [--seconds N] [--requests-for-memory N (0: skip)] [--wrk PATH]
//                        [--upstream mock|nginx] [--threads N]
#include <httplib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "db/store.h"
#include "proxy/server/app.h"
#include "bench/proxy_bench.h"
#include "proxy/config/config.h"

using namespace switchyard;

namespace {



struct WrkResult {
  double rps = 0;
  double p50_us = 0, p99_us = 0;
  long requests = 0;
  long errors = 0;
  std::string raw;
};

double to_us(double v, const std::string& unit) {
  if (unit == "us") return v;
  if (unit == "ms") return v * 1e3;
  if (unit == "s") return v * 1e6;
  return v;
}

WrkResult run_wrk(const std::string& wrk, const std::string& url, int connections, int seconds,
                  const std::string& lua, const std::string& key) {
  std::string cmd = wrk + " -t" + std::to_string(std::min(connections, 2)) + " -c" + std::to_string(connections) +
                    " -d" + std::to_string(seconds) + "s --latency -s " + lua + " " + url + " 2>&1";
  if (!key.empty()) cmd = "WRK_KEY=" + key + " " + cmd;
  WrkResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  while (fgets(buf, sizeof buf, p)) r.raw += buf;
  pclose(p);
  std::smatch m;
  if (std::regex_search(r.raw, m, std::regex(R"(Requests/sec:\s+([\d.]+))"))) r.rps = std::stod(m[1]);
  if (std::regex_search(r.raw, m, std::regex(R"(50%\s+([\d.]+)(us|ms|s))"))) r.p50_us = to_us(std::stod(m[1]), m[2]);
  if (std::regex_search(r.raw, m, std::regex(R"(99%\s+([\d.]+)(us|ms|s))"))) r.p99_us = to_us(std::stod(m[1]), m[2]);
  if (std::regex_search(r.raw, m, std::regex(R"((\d+) requests in)"))) r.requests = std::stol(m[1]);
  if (std::regex_search(r.raw, m, std::regex(R"(Non-2xx or 3xx responses:\s+(\d+))"))) r.errors = std::stol(m[1]);
  return r;
}

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

void print_row(const char* label, const WrkResult& r) {
  std::printf("  %-28s %10.0f req/s   p50 %8.1f us   p99 %8.1f us   (%ld requests, %ld non-2xx)\n", label, r.rps,
              r.p50_us, r.p99_us, r.requests, r.errors);
}

// nginx answering POST /v1/chat/completions with bench::kChatReply on `port`; its pid, or -1.
pid_t start_nginx(const std::filesystem::path& dir, int port) {
  std::filesystem::create_directories(dir / "logs");
  {
    std::ofstream f(dir / "nginx.conf");
    f << "daemon off;\nworker_processes 1;\npid " << (dir / "nginx.pid").string() << ";\nerror_log stderr crit;\n"
      << "events { worker_connections 4096; }\nhttp {\n  access_log off;\n  keepalive_requests 1000000;\n"
      << "  client_body_temp_path " << (dir / "body").string() << ";\n"
      << "  server {\n    listen 127.0.0.1:" << port << " backlog=4096;\n"
      << "    location / { default_type application/json; return 200 '" << bench::kChatReply << "'; }\n  }\n}\n";
  }
  pid_t pid = fork();
  if (pid == 0) {
    execlp("nginx", "nginx", "-p", dir.c_str(), "-c", (dir / "nginx.conf").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 200; ++i) {  // until it answers
    httplib::Client c("127.0.0.1", port);
    if (auto r = c.Post("/v1/chat/completions", "{}", "application/json"); r && r->status == 200) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGTERM);
  return -1;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);  // nginx binds it right after
  return ntohs(a.sin_port);
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 10;
  long memory_requests = 1000000;
  std::string wrk = "wrk";
  std::string upstream_kind = "mock";
  int threads = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--seconds") seconds = std::atoi(argv[i + 1]);
    else if (a == "--requests-for-memory") memory_requests = std::atol(argv[i + 1]);
    else if (a == "--wrk") wrk = argv[i + 1];
    else if (a == "--upstream") upstream_kind = argv[i + 1];
    else if (a == "--threads") threads = std::atoi(argv[i + 1]);
  }
  if (std::system((wrk + " --version >/dev/null 2>&1; command -v " + wrk + " >/dev/null").c_str()) != 0) {
    std::fprintf(stderr, "wrk not found: apt-get install wrk\n");
    return 1;
  }

  // The fast upstream: a fixed reply, no parsing.
  httplib::Server upstream;
  // One mock thread per kept-alive connection (httplib is thread-per-connection): the
  // proxy keeps one pooled upstream connection per worker, so give it plenty.
  upstream.new_task_queue = [] { return new httplib::ThreadPool(256); };
  upstream.set_keep_alive_max_count(1000000);
  upstream.set_tcp_nodelay(true);
  upstream.Post("/v1/chat/completions",
                [](const httplib::Request&, httplib::Response& res) { res.set_content(bench::kChatReply, "application/json"); });
  auto tmp = std::filesystem::temp_directory_path() / ("switchyard-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(tmp);
  int up_port = 0;
  pid_t nginx = -1;
  std::thread up_thread;
  if (upstream_kind == "nginx") {
    up_port = free_port();
    nginx = start_nginx(tmp / "nginx", up_port);
    if (nginx < 0) return std::fprintf(stderr, "nginx did not start (apt-get install nginx-light)\n"), 1;
  } else {
    up_port = bench::bind_upstream(upstream);
    up_thread = std::thread([&] { upstream.listen_after_bind(); });
  }

  std::string yaml = "server: { threads: " + std::to_string(threads) + ", keep_alive_max_count: 1000000 }\nproviders:\n  - { name: up, kind: openai, base_url: \"http://127.0.0.1:" +
                     std::to_string(up_port) +
                     "/v1\" }\nmodels:\n  - id: bench/model\n    context_length: 4096\n    endpoints:\n"
                     "      - { provider: up, model: m, pricing: { prompt: 0.65, completion: 0.65 } }\n";
  const std::string db_path = (tmp / "bench.db").string();
  auto app = bench::start_app(yaml, db_path);
  if (!app) return 1;
  auto port = app->bind("127.0.0.1", 0);
  std::thread proxy_thread([&] { app->serve(); });
  auto store = db::open_store(db_path);
  std::string key = (*store)->create_key("bench")->key;
  std::string limited_key =
      (*store)->create_key(db::NewKey{"bench-limited", int64_t{1'000'000} * 1'000'000'000'000, "monthly", std::nullopt, false,
                                      1'000'000'000, int64_t{1} << 40, 1'000'000})
          ->key;

  std::string lua = (tmp / "post.lua").string();
  {
    std::ofstream f(lua);
    f << "wrk.method = \"POST\"\nwrk.body = '" << bench::kChatBody << "'\n"
      << "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
      << "local key = os.getenv(\"WRK_KEY\")\nif key then wrk.headers[\"Authorization\"] = \"Bearer \" .. key end\n";
  }
  std::string direct = "http://127.0.0.1:" + std::to_string(up_port) + "/v1/chat/completions";
  std::string proxied = "http://127.0.0.1:" + std::to_string(*port) + "/v1/chat/completions";

  std::printf("proxy_overhead: %u cores, wrk %ds per run, one JSON chat completion per request, upstream %s\n",
              std::thread::hardware_concurrency(), seconds, upstream_kind.c_str());
  // Warm both (connections, caches, SQLite pages).
  run_wrk(wrk, proxied, 4, 1, lua, key);
  for (int connections : {1, 32}) {
    std::printf("%d connection%s:\n", connections, connections == 1 ? "" : "s");
    WrkResult base = run_wrk(wrk, direct, connections, seconds, lua, "");
    WrkResult through = run_wrk(wrk, proxied, connections, seconds, lua, key);
    WrkResult limited = run_wrk(wrk, proxied, connections, seconds, lua, limited_key);
    print_row("upstream directly", base);
    print_row("through switchyard", through);
    print_row("  with budget + rate limits", limited);
    std::printf("  added latency: p50 %+.1f us, p99 %+.1f us; throughput ratio %.2f\n", through.p50_us - base.p50_us,
                through.p99_us - base.p99_us, base.rps > 0 ? through.rps / base.rps : 0.0);
    std::printf("  budget + rate limits add: p50 %+.1f us; throughput ratio %.2f\n", limited.p50_us - through.p50_us,
                through.rps > 0 ? limited.rps / through.rps : 0.0);
  }

  // Memory across many requests: RSS after a warm-up, then after ~memory_requests more.
  app->ledger().flush();
  long rss_start = rss_kib();
  long done = 0;
  std::printf("memory: driving %ld requests through the proxy at 32 connections\n", memory_requests);
  int round = 0;
  while (done < memory_requests) {
    WrkResult r = run_wrk(wrk, proxied, 32, seconds, lua, key);
    if (r.requests == 0) break;
    done += r.requests;
    app->ledger().flush();
    std::printf("  after %8ld requests: RSS %ld KiB (%+ld KiB since start), %.0f req/s\n", done, rss_kib(),
                rss_kib() - rss_start, r.rps);
    if (++round > 1000) break;
  }
  auto stats = app->ledger().stats();
  std::printf("ledger: %lld records written in %lld transactions (%.1f rows each), %lld failed\n",
              static_cast<long long>(stats.records_written), static_cast<long long>(stats.batches),
              stats.batches > 0 ? static_cast<double>(stats.records_written) / static_cast<double>(stats.batches) : 0.0,
              static_cast<long long>(stats.records_failed));

  app->stop();
  proxy_thread.join();
  if (nginx > 0) {
    kill(nginx, SIGTERM);
    waitpid(nginx, nullptr, 0);
  } else {
    upstream.stop();
    up_thread.join();
  }
  store->reset();
  std::filesystem::remove_all(tmp);
  return 0;
}
