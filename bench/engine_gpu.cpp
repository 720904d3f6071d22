// GPU engine benchmark: random-weight GGUFs with the real WizardLM-2 8x22B layer shape
// (hidden 6144, 48 heads, 8 KV heads, head dim 128, 8 experts top-2, ff 16384, vocab 32000)
// but only --layers layers, in Q4_K and Q8_0. For each: prefill tokens/s, and decode
// tokens/s for 1, 8 and 32 concurrent streams, each with the weight bandwidth it achieved
// against the device read bandwidth measured in the same run, per layer, and extrapolated
// to the real model's 56 layers. Without a CUDA device it says why and exits 0.
//   bench_engine_gpu [--layers N] [--types q4_k,q8_0] [--prompt N] [--decode N] [--reps N]
//                    [--kv f16|f32] [--device N] [--dir DIR]
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "local_engine/cuda/cuda_engine.h"
#include "local_engine/demo_model.h"
#include "local_engine/model.h"

using namespace switchyard::engine;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

constexpr int kRealLayers = 56;

struct Options {
  int layers = 2;
  std::vector<GgmlType> types{GgmlType::q4_k, GgmlType::q8_0};
  int prompt = 512;
  int decode = 32;
  int reps = 3;
  KvType kv = KvType::f16;
  int device = 0;
  std::string dir = "/tmp";
};

// Distinct experts per layer a step of b tokens touches, if routing were uniform.
double experts_touched(const ModelConfig& c, int b) {
  return c.n_expert * (1.0 - std::pow(1.0 - double(c.n_expert_used) / c.n_expert, b));
}

int bench_type(const Options& o, GgmlType type, double bw) {
  const std::string name = std::string(ggml_type_name(type));
  const std::string path = o.dir + "/switchyard_bench_wizardlm2_shape_" + name + "_" + std::to_string(o.layers) + "l.gguf";
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    DemoModelParams p;
    p.dim = 6144, p.n_layer = o.layers, p.n_head = 48, p.n_kv_head = 8, p.n_expert = 8, p.n_expert_used = 2;
    p.n_ff = 16384, p.n_vocab = 32000, p.n_ctx = 65536, p.type = type, p.n_threads = 0;
    p.name = "wizardlm2-8x22b-shape-" + std::to_string(o.layers) + "l";
    const double t0 = now();
    if (auto r = write_demo_model(path, p); !r) {
      std::fprintf(stderr, "bench: %s\n", r.error().message.c_str());
      return 1;
    }
    std::printf("generated %s in %.1f s\n", path.c_str(), now() - t0);
  }
  auto loaded = Model::load(path, ModelLoadParams{.n_threads = 2, .prefault = false, .progress = 0});
  if (!loaded) {
    std::fprintf(stderr, "bench: %s\n", loaded.error().message.c_str());
    return 1;
  }
  std::shared_ptr<Model> model(std::move(*loaded));
  const ModelConfig& c = model->config();
  const int max_streams = 32, n_pre = 16;
  const int n_ctx = std::max(o.prompt, n_pre) + o.decode * (o.reps + 1) + 64;
  const double t_up = now();
  auto made = cuda::make_cuda_batch_model(
      model, cuda::CudaModelParams{.device = o.device, .n_seq_max = max_streams, .n_ctx = n_ctx, .kv_type = o.kv,
                                   .max_batch_tokens = std::max(o.prompt, max_streams * n_pre), .progress = 0});
  if (!made) {
    std::fprintf(stderr, "bench: %s\n", made.error().message.c_str());
    return 1;
  }
  BatchModel& gpu = **made;
  const double out_bytes = double(size_t(model->weights().output.rows) * model->weights().output.row_bytes);
  std::printf("\n== %s: %d layers of dim %d, %d/%d heads, %d experts top-%d, ff %d, vocab %d; %.2f GB of weights "
              "uploaded in %.1f s; KV %s\n",
              name.c_str(), c.n_layer, c.dim, c.n_head, c.n_kv_head, c.n_expert, c.n_expert_used, c.n_ff, c.n_vocab,
              double(model->weight_bytes()) / 1e9, now() - t_up, o.kv == KvType::f16 ? "F16" : "F32");
  std::vector<float> logits(size_t(max_streams) * size_t(c.n_vocab));
  auto token = [&](int k) { return int32_t(259 + (k * 7919) % (c.n_vocab - 259)); };

  // Prefill: one sequence of o.prompt tokens in one forward (best of reps, after a warm-up).
  std::vector<BatchToken> prompt;
  for (int k = 0; k < o.prompt; ++k) prompt.push_back({token(k), k, 0, k == o.prompt - 1});
  double best_prefill = 1e30;
  for (int rep = 0; rep <= o.reps; ++rep) {
    gpu.clear_seq(0);
    const double t0 = now();
    if (auto r = gpu.forward(prompt, logits.data()); !r) {
      std::fprintf(stderr, "bench: %s\n", r.error().message.c_str());
      return 1;
    }
    if (rep > 0) best_prefill = std::min(best_prefill, now() - t0);
  }
  std::printf("prefill %d tokens: %.1f ms = %.0f tok/s (%.0f tok/s per layer)\n", o.prompt, best_prefill * 1e3,
              o.prompt / best_prefill, o.prompt / best_prefill * c.n_layer);

  std::printf("%-8s %10s %10s %12s %12s %8s %14s %14s\n", "streams", "step ms", "tok/s", "GB/step", "GB/s", "of bw",
              "tok/s/layer", "56-layer tok/s");
  for (int b : {1, 8, 32}) {
    // Each stream gets a short prompt, then every step decodes one token of each.
    for (int s = 0; s < max_streams; ++s) gpu.clear_seq(s);
    std::vector<BatchToken> pre;
    for (int k = 0; k < n_pre; ++k)
      for (int s = 0; s < b; ++s) pre.push_back({token(k + 31 * s), k, s, false});
    if (auto r = gpu.forward(pre, nullptr); !r) {
      std::fprintf(stderr, "bench: %s\n", r.error().message.c_str());
      return 1;
    }
    int pos = n_pre;
    double best = 1e30;
    for (int rep = 0; rep <= o.reps; ++rep) {
      const double t0 = now();
      for (int k = 0; k < o.decode; ++k, ++pos) {
        std::vector<BatchToken> step;
        for (int s = 0; s < b; ++s) step.push_back({token(pos + 31 * s), pos, s, true});
        if (auto r = gpu.forward(step, logits.data()); !r) {
          std::fprintf(stderr, "bench: %s\n", r.error().message.c_str());
          return 1;
        }
      }
      if (rep > 0) best = std::min(best, (now() - t0) / o.decode);  // seconds per step
    }
    const double touched = b == 1 ? c.n_expert_used : experts_touched(c, b);
    const double step_bytes = double(model->weight_bytes_per_step(touched));
    const double layer_bytes = (step_bytes - out_bytes) / c.n_layer;
    // Bandwidth-bound: time splits by bytes read. 56 layers read 56 layers' bytes + output.
    const double t_layer = best * layer_bytes / step_bytes;
    const double t56 = best * (kRealLayers * layer_bytes + out_bytes) / step_bytes;
    std::printf("%-8d %10.3f %10.1f %12.3f %12.1f %7.0f%% %14.1f %14.1f\n", b, best * 1e3, b / best, step_bytes / 1e9,
                step_bytes / best / 1e9, 100.0 * step_bytes / best / bw, b / t_layer, b / t56);
  }
  const double tok56_bytes = kRealLayers * (double(model->weight_bytes_per_step(c.n_expert_used)) - out_bytes) / c.n_layer + out_bytes;
  std::printf("56-layer model: %.1f GB read per decoded token; at the measured %.0f GB/s the limit is %.1f tok/s "
              "(target: >= 80%% of it for 1 stream)\n",
              tok56_bytes / 1e9, bw / 1e9, bw / tok56_bytes);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--layers") o.layers = std::max(1, std::atoi(next().c_str()));
    else if (a == "--prompt") o.prompt = std::max(1, std::atoi(next().c_str()));
    else if (a == "--decode") o.decode = std::max(1, std::atoi(next().c_str()));
    else if (a == "--reps") o.reps = std::max(1, std::atoi(next().c_str()));
    else if (a == "--device") o.device = std::atoi(next().c_str());
    else if (a == "--dir") o.dir = next();
    else if (a == "--kv") o.kv = next() == "f32" ? KvType::f32 : KvType::f16;
    else if (a == "--types") {
      o.types.clear();
      std::stringstream ss(next());
      for (std::string t; std::getline(ss, t, ',');) {
        if (t == "q4_k") o.types.push_back(GgmlType::q4_k);
        else if (t == "q8_0") o.types.push_back(GgmlType::q8_0);
        else if (t == "q6_k") o.types.push_back(GgmlType::q6_k);
        else if (t == "q4_0") o.types.push_back(GgmlType::q4_0);
        else if (t == "f16") o.types.push_back(GgmlType::f16);
      }
    } else {
      std::fprintf(stderr, "usage: bench_engine_gpu [--layers N] [--types q4_k,q8_0] [--prompt N] [--decode N] [--reps N] "
                           "[--kv f16|f32] [--device N] [--dir DIR]\n");
      return 2;
    }
  }
  const cuda::Probe probe = cuda::probe();
  if (probe.devices.empty()) {
    std::printf("bench_engine_gpu: nothing to measure: %s\n", probe.why_none.c_str());
    return 0;
  }
  for (const auto& d : probe.devices)
    std::printf("cuda:%d %s, compute %d.%d, %.1f GB (%.1f GB free)\n", d.index, d.name.c_str(), d.cc_major, d.cc_minor,
                double(d.total_bytes) / 1e9, double(d.free_bytes) / 1e9);
  auto bw = cuda::measure_read_bandwidth(o.device);
  if (!bw) {
    std::fprintf(stderr, "bench: %s\n", bw.error().message.c_str());
    return 1;
  }
  std::printf("device read bandwidth (4 GiB streaming read, best of 5): %.0f GB/s\n", *bw / 1e9);
  for (GgmlType t : o.types)
    if (int rc = bench_type(o, t, *bw); rc != 0) return rc;
  auto bw_end = cuda::measure_read_bandwidth(o.device);
  if (bw_end) std::printf("\ndevice read bandwidth again at the end: %.0f GB/s\n", *bw_end / 1e9);
  return 0;
}
