// Constrained decoding cost: decode tokens/s of the bench model (bench_engine's Mixtral-
// shaped Q8_0 file, vocab 32000) through the Engine with no constraint, with
// response_format json_object and with a JSON schema, in the same run. A grammar's masks
// are cached by the engine across requests: "cold" is a fresh engine's first requests (the
// cache fills as positions are first reached), "warm" the same requests again. Every figure
// is the best of --reps runs (a fresh engine each).
//   bench_constrained_decode [--model FILE] [--threads N] [--tokens N] [--reps N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "local_engine/demo_model.h"
#include "bench/bench_support.h"
#include "local_engine/engine.h"

using namespace switchyard::engine;

namespace {

constexpr const char* kSchema = R"({"type":"object","properties":{
  "name":{"type":"string","maxLength":24},"age":{"type":"integer"},"role":{"enum":["admin","user","guest"]},
  "tags":{"type":"array","items":{"type":"string","maxLength":12},"maxItems":4},
  "address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string","pattern":"^[0-9]{5}$"}},
             "required":["city","zip"],"additionalProperties":false}},
  "required":["name","age","role","tags","address"],"additionalProperties":false})";

struct Figures {
  int64_t tokens = 0;
  double seconds = 0;  // decode time (first token to last), summed
  double tok_s() const { return seconds > 0 ? double(tokens) / seconds : 0; }
};

// Requests with seeds 1, 2, ... until `tokens` decode tokens have run.
Figures decode(Engine& e, ResponseFormat format, int64_t tokens) {
  Figures f;
  for (uint64_t seed = 1; f.tokens < tokens; ++seed) {
    GenerationRequest r;
    r.messages = {{"user", "Describe a person as JSON."}};
    r.sampling.temperature = 1.0f;
    r.sampling.seed = seed;
    r.max_tokens = int(std::min<int64_t>(256, tokens - f.tokens + 1));
    r.ignore_eos = format.kind == ResponseFormat::Kind::text;
    r.response_format = format;
    auto g = e.submit(r);
    if (!g) {
      std::fprintf(stderr, "bench: %s\n", g.error().message.c_str());
      std::exit(1);
    }
    while (auto ev = (*g)->next()) {
      if (ev->kind == GenerationEvent::Kind::error) {
        std::fprintf(stderr, "bench: %s\n", ev->error.c_str());
        std::exit(1);
      }
      if (ev->kind != GenerationEvent::Kind::finish) continue;
      f.tokens += ev->usage.completion_tokens - 1;  // decode steps after the first token
      f.seconds += ev->usage.decode_seconds;
    }
  }
  return f;
}

std::unique_ptr<Engine> open(const std::string& path, int threads) {
  EngineOptions o;
  o.model_path = path;
  o.threads = threads;
  o.max_sequences = 1;
  o.device = "cpu";
  auto e = Engine::open(o);
  if (!e) {
    std::fprintf(stderr, "bench: %s\n", e.error().message.c_str());
    std::exit(1);
  }
  return std::move(*e);
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = bench::kBenchModel;
  int threads = int(std::thread::hardware_concurrency());
  int64_t tokens = 256;
  int reps = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--model" && i + 1 < argc) path = argv[++i];
    else if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--tokens" && i + 1 < argc) tokens = std::atoll(argv[++i]);
    else if (a == "--reps" && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else {
      std::fprintf(stderr, "usage: bench_constrained_decode [--model FILE] [--threads N] [--tokens N] [--reps N]\n");
      return 2;
    }
  }
  if (!bench::bench_model_present(path)) return 1;
  bench::print_load_average("start");
  std::printf("model %s, %d threads, %lld decode tokens per figure, best of %d\n", path.c_str(), threads,
              static_cast<long long>(tokens), reps);

  const ResponseFormat text{}, object{ResponseFormat::Kind::json_object, ""}, schema{ResponseFormat::Kind::json_schema, kSchema};
  double best_text = 0, best_object = 0, best_schema = 0, cold_object = 0, cold_schema = 0;
  for (int rep = 0; rep < reps; ++rep) {
    // A fresh engine has empty mask caches: its first requests are the cold figures. Then
    // the three alternate, so a busy moment of the machine hits all alike.
    auto engine = open(path, threads);
    cold_object = std::max(cold_object, decode(*engine, object, tokens).tok_s());
    cold_schema = std::max(cold_schema, decode(*engine, schema, tokens).tok_s());
    best_text = std::max(best_text, decode(*engine, text, tokens).tok_s());
    best_object = std::max(best_object, decode(*engine, object, tokens).tok_s());
    best_schema = std::max(best_schema, decode(*engine, schema, tokens).tok_s());
  }
  std::printf("unmasked decode:            %7.1f tok/s\n", best_text);
  std::printf("json_object, warm cache:    %7.1f tok/s = %3.0f%% of unmasked\n", best_object, 100 * best_object / best_text);
  std::printf("json_schema, warm cache:    %7.1f tok/s = %3.0f%% of unmasked\n", best_schema, 100 * best_schema / best_text);
  std::printf("json_object, cold (first):  %7.1f tok/s = %3.0f%% of unmasked\n", cold_object, 100 * cold_object / best_text);
  std::printf("json_schema, cold (first):  %7.1f tok/s = %3.0f%% of unmasked\n", cold_schema, 100 * cold_schema / best_text);
  bench::print_load_average("end");
  return 0;
}
