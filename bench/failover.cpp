// bench/failover: one of two endpoints is down 100% of the time.
//
// The cheaper endpoint (which price weighting would pick 9 times in 10) always fails; the
// other serves. 10,000 requests go through the proxy from a few client threads. Printed:
// how many succeeded, how many paid for a failed attempt first, the latency of those
// against the clean ones, and when the failed attempts happened: the first few until the
// circuit opens, then one probe per cooldown, never more.
//
//   bench_failover [--requests N] [--clients N] [--cooldown-ms N] [--mode 500|refused]
#include <httplib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "proxy/server/app.h"
#include "proxy/config/config.h"

using namespace switchyard;
using Clock = std::chrono::steady_clock;

namespace {

const char* kReply =
    R"({"id":"up","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":)"
    R"({"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}})";

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * (v.size() - 1));
  return v[i];
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / v.size();
}

}  // namespace

int main(int argc, char** argv) {
  int requests = 10000, clients = 4;
  int64_t cooldown_ms = 2000;
  std::string mode = "500";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--requests") requests = std::atoi(argv[i + 1]);
    else if (a == "--clients") clients = std::atoi(argv[i + 1]);
    else if (a == "--cooldown-ms") cooldown_ms = std::atoll(argv[i + 1]);
    else if (a == "--mode") mode = argv[i + 1];
  }

  httplib::Server good, bad;
  for (auto* s : {&good, &bad}) {
    s->new_task_queue = [] { return new httplib::ThreadPool(128); };
    s->set_tcp_nodelay(true);  // else Nagle + delayed ACK add 40 ms to every reply
  }
  good.Post("/v1/chat/completions", [](const auto&, auto& res) { res.set_content(kReply, "application/json"); });
  bad.Post("/v1/chat/completions", [](const auto&, auto& res) {
    res.status = 500;
    res.set_content(R"({"error":{"message":"down"}})", "application/json");
  });
  int good_port = good.bind_to_any_port("127.0.0.1");
  std::thread tg([&] { good.listen_after_bind(); });
  std::thread tb;
  int bad_port = 0;
  if (mode == "refused") {
    // A port that was free a moment ago and has no listener: connections are refused.
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    bad_port = ntohs(addr.sin_port);
    close(fd);
  } else {
    bad_port = bad.bind_to_any_port("127.0.0.1");
    tb = std::thread([&] { bad.listen_after_bind(); });
  }

  auto tmp = std::filesystem::temp_directory_path() / ("switchyard-failover-" + std::to_string(getpid()));
  std::filesystem::create_directories(tmp);
  std::string yaml = "routing: { circuit_failure_threshold: 3, circuit_cooldown_ms: " + std::to_string(cooldown_ms) +
                     " }\nserver: { threads: 32 }\nproviders:\n"
                     "  - { name: down, kind: openai, base_url: \"http://127.0.0.1:" + std::to_string(bad_port) + "/v1\" }\n"
                     "  - { name: up, kind: openai, base_url: \"http://127.0.0.1:" + std::to_string(good_port) + "/v1\" }\n"
                     "models:\n  - id: bench/model\n    context_length: 4096\n    endpoints:\n"
                     "      - { provider: down, model: d, pricing: { prompt: 1, completion: 1 } }\n"
                     "      - { provider: up, model: u, pricing: { prompt: 3, completion: 3 } }\n";
  auto cfg = proxy::parse_config(yaml, "failover.yaml");
  if (!cfg) return std::fprintf(stderr, "%s\n", cfg.error().message.c_str()), 1;
  proxy::AppOptions opts;
  opts.config = *cfg;
  opts.database_url = (tmp / "failover.db").string();
  opts.quiet = true;
  auto app = proxy::App::create(opts);
  if (!app) return std::fprintf(stderr, "%s\n", app.error().message.c_str()), 1;
  int port = *(*app)->bind("127.0.0.1", 0);
  std::thread tp([&] { (*app)->serve(); });
  auto store = db::open_store(opts.database_url);
  std::string key = (*store)->create_key("bench")->key;

  std::atomic<int> next{0}, ok{0}, failed{0};
  std::mutex mu;
  std::vector<double> clean_us, paid_us;
  std::vector<double> paid_at_ms;  // when requests that paid a failed attempt started
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      httplib::Headers h{{"Authorization", "Bearer " + key}, {"X-Switchyard-Metadata", "enabled"}};
      const std::string body = R"({"model":"bench/model","messages":[{"role":"user","content":"hi"}]})";
      while (next.fetch_add(1) < requests) {
        auto start = Clock::now();
        auto r = client.Post("/v1/chat/completions", h, body, "application/json");
        double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
        if (!r || r->status != 200) {
          failed++;
          continue;
        }
        ok++;
        bool paid = r->body.find(R"("provider":"down")") != std::string::npos;  // an attempt on the down endpoint
        std::lock_guard lock(mu);
        (paid ? paid_us : clean_us).push_back(us);
        if (paid) paid_at_ms.push_back(std::chrono::duration<double, std::milli>(start - t0).count());
      }
    });
  for (auto& t : threads) t.join();
  double total_s = std::chrono::duration<double>(Clock::now() - t0).count();

  std::printf("failover: %d requests, %d clients, down endpoint mode '%s' (the cheaper one: price weighting alone\n"
              "would send it 90%% of first attempts), circuit after 3 failures, cooldown %lld ms\n",
              requests, clients, mode.c_str(), static_cast<long long>(cooldown_ms));
  std::printf("  succeeded: %d of %d (%d failed), %.1f s, %.0f req/s\n", ok.load(), requests, failed.load(), total_s,
              requests / total_s);
  // A failing endpoint stays at the back for 30 s (significant recent failures) and its
  // circuit lets one probe through per cooldown only when it comes up front again.
  std::printf("  requests that paid a failed attempt first: %zu (bound: 3 to open the circuit + clients in\n"
              "  flight + one probe per cooldown = %lld)\n",
              paid_us.size(), static_cast<long long>(3 + clients + total_s * 1000 / cooldown_ms + 1));
  std::printf("  latency of clean requests:   mean %8.1f us  p50 %8.1f us  p99 %8.1f us\n", mean(clean_us),
              percentile(clean_us, 0.5), percentile(clean_us, 0.99));
  std::printf("  latency with a failed first: mean %8.1f us  p50 %8.1f us  p99 %8.1f us\n", mean(paid_us),
              percentile(paid_us, 0.5), percentile(paid_us, 0.99));
  std::printf("  failed attempts started at (ms since start):");
  std::sort(paid_at_ms.begin(), paid_at_ms.end());
  for (size_t i = 0; i < paid_at_ms.size() && i < 40; ++i) std::printf(" %.0f", paid_at_ms[i]);
  std::printf("\n");

  (*app)->stop();
  tp.join();
  good.stop();
  bad.stop();
  tg.join();
  if (tb.joinable()) tb.join();
  store->reset();
  std::filesystem::remove_all(tmp);
  return ok.load() == requests ? 0 : 1;
}
