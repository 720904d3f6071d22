// bench/admission: what the operator API's per-request checks cost on the hot path, in ns
// per request, single-threaded and with all cores on one key (contention):
//  * the rate limiter's admit + finish with rpm, tpm and max_concurrent set;
//  * a budget reservation + settle on a key with a monthly limit;
//  * the baseline: a hash-map lookup of a key, as authentication does.
//
//   bench_admission [--iterations N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "proxy/auth/key_entry.h"
#include "proxy/auth/rate_limiter.h"

using namespace switchyard;
using namespace switchyard::proxy;
using Clock = std::chrono::steady_clock;

namespace {

template <class F>
double ns_per_op(int threads, int64_t iterations, F op) {
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int64_t i = 0; i < iterations; ++i) op(t, i);
    });
  for (auto& th : pool) th.join();
  double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  return ns / static_cast<double>(iterations * threads);
}

void report(const char* what, int threads, double ns) {
  std::printf("  %-44s %2d thread%s %8.1f ns/request\n", what, threads, threads == 1 ? " " : "s", ns);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t iterations = 2'000'000;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--iterations") iterations = std::atoll(argv[i + 1]);
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::printf("admission: %d cores, %lld iterations per thread\n", cores, static_cast<long long>(iterations));

  std::unordered_map<std::string, int> table;
  for (int i = 0; i < 1000; ++i) table[std::to_string(i * 7919) + std::string(56, 'a')] = i;
  std::string probe = std::to_string(500 * 7919) + std::string(56, 'a');
  volatile int sink = 0;
  for (int threads : {1, cores}) {
    report("baseline: key lookup in a hash map", threads,
           ns_per_op(threads, iterations, [&](int, int64_t) { sink = sink + table.find(probe)->second; }));

    // Limits far from binding, so every request takes the admitted path (the common one).
    int64_t fake_now = 1'000'000;
    LocalRateLimiter limiter([&] { return fake_now; });
    RateLimits limits{int64_t{1} << 40, int64_t{1} << 50, 1 << 20};
    report("rate limiter: admit + finish (rpm, tpm, concurrency)", threads, ns_per_op(threads, iterations / 8, [&](int, int64_t) {
             auto a = limiter.admit("key", limits, 100);
             limiter.finish(*a, 120);
           }));

    report("  + formatting its six x-ratelimit headers", threads, ns_per_op(threads, iterations / 8, [&](int, int64_t) {
             auto a = limiter.admit("key", limits, 100);
             sink = sink + static_cast<int>(rate_limit_headers(*a).size());
             limiter.finish(*a, 120);
           }));

    KeySettings s;
    s.limit_pico = int64_t{1} << 60;
    s.limit_reset = billing::LimitReset::monthly;
    KeyEntry key("h", s, 0, 0, fake_now);
    report("budget: reserve + settle (monthly window)", threads, ns_per_op(threads, iterations, [&](int, int64_t) {
             auto r = key.reserve(billing::Picodollars(1000), fake_now);
             key.settle(*r, billing::Picodollars(700), fake_now);
           }));
  }
  return sink == -1;
}
