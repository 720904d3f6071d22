// Prefix cache: time to first token of a ~1,500-token shared system prompt with a short
// user turn, on the bench model (bench_engine's file), with and without the cache, in the
// same run. Each figure is the median over --requests requests whose user turns differ; the
// cached engine has seen the system prompt once before (a warm-up request).
//   bench_prefix_cache [--model FILE] [--threads N] [--requests N] [--system-tokens N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_support.h"
#include "local_engine/engine.h"

using namespace switchyard::engine;

namespace {

using Clock = std::chrono::steady_clock;

std::unique_ptr<Engine> open(const std::string& path, int threads, size_t cache_bytes) {
  EngineOptions o;
  o.model_path = path;
  o.threads = threads;
  o.max_sequences = 1;
  o.device = "cpu";
  o.prefix_cache_bytes = cache_bytes;
  auto e = Engine::open(o);
  if (!e) {
    std::fprintf(stderr, "bench: %s\n", e.error().message.c_str());
    std::exit(1);
  }
  return std::move(*e);
}

GenerationRequest ask(const std::string& system, int i) {
  GenerationRequest r;
  r.messages = {{"system", system}, {"user", "Question number " + std::to_string(i) + ": what now?"}};
  r.sampling.temperature = 0;
  r.max_tokens = 2;
  return r;
}

struct Ttft {
  double seconds = 0;
  int64_t cached_tokens = 0, prompt_tokens = 0;
};

// Submit to the first token, seen from the caller.
Ttft first_token(Engine& e, const GenerationRequest& r) {
  const auto t0 = Clock::now();
  auto g = e.submit(r);
  if (!g) {
    std::fprintf(stderr, "bench: %s\n", g.error().message.c_str());
    std::exit(1);
  }
  Ttft t;
  while (auto ev = (*g)->next()) {
    if (ev->token && t.seconds == 0) t.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (ev->kind == GenerationEvent::Kind::finish) {
      t.cached_tokens = ev->usage.cached_tokens;
      t.prompt_tokens = ev->usage.prompt_tokens;
    }
  }
  return t;
}

// The system prompt: sentences until it is about `tokens` long.
std::string system_prompt(const Engine& e, int tokens) {
  std::string s;
  for (int i = 0;; ++i) {
    s += "Rule " + std::to_string(i) + ": the assistant answers with care, in plain words, and checks its facts. ";
    GenerationRequest r;
    r.messages = {{"system", s}};
    if (int(e.tokenize_prompt(r)->size()) >= tokens) return s;
  }
}

Ttft median(std::vector<Ttft> v) {
  std::sort(v.begin(), v.end(), [](const Ttft& a, const Ttft& b) { return a.seconds < b.seconds; });
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = bench::kBenchModel;
  int threads = int(std::thread::hardware_concurrency()), requests = 5, system_tokens = 1500;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--model" && i + 1 < argc) path = argv[++i];
    else if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--requests" && i + 1 < argc) requests = std::max(1, std::atoi(argv[++i]));
    else if (a == "--system-tokens" && i + 1 < argc) system_tokens = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_prefix_cache [--model FILE] [--threads N] [--requests N] [--system-tokens N]\n");
      return 2;
    }
  }
  if (!bench::bench_model_present(path)) return 1;
  bench::print_load_average("start");

  std::vector<Ttft> without, with;
  std::string system;
  {
    auto plain = open(path, threads, 0);
    system = system_prompt(*plain, system_tokens);
    first_token(*plain, ask(system, -1));  // warm-up: the weights are paged in
    for (int i = 0; i < requests; ++i) without.push_back(first_token(*plain, ask(system, i)));
  }
  {
    auto cached = open(path, threads, size_t(1) << 30);
    first_token(*cached, ask(system, -1));  // the system prompt goes into the cache
    for (int i = 0; i < requests; ++i) with.push_back(first_token(*cached, ask(system, i)));
  }
  const Ttft a = median(without), b = median(with);
  std::printf("model %s, %d threads; prompt %lld tokens (system ~%d), median of %d requests\n", path.c_str(), threads,
              static_cast<long long>(a.prompt_tokens), system_tokens, requests);
  std::printf("time to first token without the prefix cache: %8.1f ms\n", a.seconds * 1e3);
  std::printf("time to first token with the prefix cache:    %8.1f ms (%lld prompt tokens read from the cache)\n",
              b.seconds * 1e3, static_cast<long long>(b.cached_tokens));
  std::printf("speedup: %.1fx\n", a.seconds / b.seconds);
  bench::print_load_average("end");
  return 0;
}
