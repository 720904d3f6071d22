// bench/concurrency: many slow streams held open while plain requests are answered.
//
// Starts an in-process upstream whose streams send one token every --token-ms (slow
// generations) and answer plain requests at once, and a Switchyard in front of it. Opens
// --streams streaming completions over raw sockets (each held: the client reads nothing
// until the end), then sends --probes plain completions one after another on a fresh
// connection each and prints their latency percentiles, the proxy's RSS per held stream,
// and its thread count. Issue 16's target on a 2-core machine: 2,000 streams, plain p99
// < 50 ms.
//
//   bench_concurrency [--streams N] [--probes N] [--token-ms N]
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "db/store.h"
#include "proxy/config/config.h"
#include "proxy/server/app.h"
#include "bench/proxy_bench.h"

using namespace switchyard;
using Clock = std::chrono::steady_clock;

namespace {

const char* kChunk = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n";

long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::string(field).size()));
  return 0;
}

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string request(const std::string& key, bool stream) {
  const std::string body = std::string(R"({"model":"bench/model","max_tokens":100000,"stream":)") +
                           (stream ? "true" : "false") + R"(,"messages":[{"role":"user","content":"hi"}]})";
  return "POST /v1/chat/completions HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer " + key +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// One plain completion on a fresh connection; its latency in ms (-1 on failure).
double probe(int port, const std::string& key) {
  const auto t0 = Clock::now();
  int fd = connect_to(port);
  if (fd < 0) return -1;
  const std::string r = request(key, false);
  if (::send(fd, r.data(), r.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(r.size())) return ::close(fd), -1;
  std::string got;
  char buf[8192];
  while (got.find("\"usage\"") == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (got.rfind("HTTP/1.1 200", 0) != 0) return -1;
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  int streams = 2000, probes = 200, token_ms = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--streams") streams = std::atoi(argv[i + 1]);
    else if (a == "--probes") probes = std::atoi(argv[i + 1]);
    else if (a == "--token-ms") token_ms = std::atoi(argv[i + 1]);
  }
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);

  std::atomic<bool> stopping{false};
  httplib::Server upstream;
  upstream.new_task_queue = [n = streams + 64] { return new httplib::ThreadPool(static_cast<size_t>(n)); };
  upstream.set_keep_alive_max_count(1000000);
  upstream.set_write_timeout(600, 0);
  upstream.set_tcp_nodelay(true);  // else its header and body writes meet delayed ACKs: 40 ms stalls
  upstream.Post("/v1/chat/completions", [&](const httplib::Request& req, httplib::Response& res) {
    if (req.body.find("\"stream\":true") == std::string::npos) return res.set_content(bench::kChatReply, "application/json");
    res.set_chunked_content_provider("text/event-stream", [&, token_ms](size_t, httplib::DataSink& sink) {
      while (!stopping) {
        if (!sink.write(kChunk, std::strlen(kChunk))) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(token_ms));
      }
      sink.done();
      return true;
    });
  });
  const int up_port = bench::bind_upstream(upstream, 8192);
  std::thread up_thread([&] { upstream.listen_after_bind(); });

  auto tmp = std::filesystem::temp_directory_path() / ("switchyard-conc-" + std::to_string(getpid()));
  std::filesystem::create_directories(tmp);
  const std::string yaml =
      "server: { threads: 32, max_workers: " + std::to_string(streams + 256) +
      ", max_connections_per_ip: 0, accept_queue: 4096 }\nproviders:\n  - { name: up, kind: openai, base_url: "
      "\"http://127.0.0.1:" + std::to_string(up_port) + "/v1\", timeouts: { idle_ms: 600000, total_ms: 3600000 } }\n"
      "models:\n  - id: bench/model\n    context_length: 200000\n    endpoints:\n"
      "      - { provider: up, model: m, pricing: { prompt: 0.65, completion: 0.65 } }\n";
  const std::string db_path = (tmp / "bench.db").string();
  auto app = bench::start_app(yaml, db_path);
  if (!app) return 1;
  const int port = *app->bind("127.0.0.1", 0);
  std::thread proxy_thread([&] { app->serve(); });
  const std::string key = (*db::open_store(db_path))->create_key("bench")->key;

  for (int i = 0; i < 20; ++i) probe(port, key);  // warm
  std::vector<double> idle;
  for (int i = 0; i < probes / 4; ++i) idle.push_back(probe(port, key));
  const long rss_before = status_kib("VmRSS:");
  const long threads_before = status_kib("Threads:");
  std::vector<int> held;
  const auto t0 = Clock::now();
  const std::string stream_req = request(key, true);
  for (int i = 0; i < streams; ++i) {
    int fd = connect_to(port);
    if (fd < 0 || ::send(fd, stream_req.data(), stream_req.size(), MSG_NOSIGNAL) <= 0) {
      std::fprintf(stderr, "stream %d: cannot connect/send\n", i);
      break;
    }
    held.push_back(fd);
  }
  // Every stream has its first token: each socket has bytes to read.
  int started = 0;
  for (int fd : held) {
    char b[4096];
    if (::recv(fd, b, sizeof b, 0) > 0) ++started;
  }
  const double open_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<double> lat;
  int failed = 0;
  for (int i = 0; i < probes; ++i) {
    const double ms = probe(port, key);
    if (ms < 0) ++failed;
    else lat.push_back(ms);
  }
  const long rss_after = status_kib("VmRSS:");
  const long threads_after = status_kib("Threads:");
  auto pct = [](std::vector<double> v, double p) {
    if (v.empty()) return -1.0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
  };
  std::printf("concurrency: %u cores, %d streams (a token every %d ms), %d plain probes\n",
              std::thread::hardware_concurrency(), streams, token_ms, probes);
  std::printf("  streams started: %d of %zu in %.1f s\n", started, held.size(), open_s);
  std::printf("  plain request, idle server:   p50 %6.2f ms   p99 %6.2f ms\n", pct(idle, 0.5), pct(idle, 0.99));
  std::printf("  plain request, streams held:  p50 %6.2f ms   p99 %6.2f ms   max %6.2f ms   (%d failed)\n",
              pct(lat, 0.5), pct(lat, 0.99), pct(lat, 1.0), failed);
  std::printf("  RSS (bench process: proxy + upstream + clients): %ld -> %ld KiB, %.1f KiB per stream\n", rss_before,
              rss_after, held.empty() ? 0.0 : static_cast<double>(rss_after - rss_before) / static_cast<double>(held.size()));
  std::printf("  threads: %ld -> %ld (proxy workers + upstream threads)\n", threads_before, threads_after);
  stopping = true;
  for (int fd : held) ::close(fd);
  app->stop();
  proxy_thread.join();
  upstream.stop();
  up_thread.join();
  std::filesystem::remove_all(tmp);
  return 0;
}
