#include "tools/make_demo_model.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "local_engine/demo_model.h"

using namespace switchyard::engine;

namespace {
void usage() {
  std::fprintf(stderr,
               "usage: switchyard make-demo-model --out FILE [--dim N --layers N --heads N --kv-heads N\n"
               "       --experts N --experts-used N --ff N --vocab N --type q8_0|q4_0|q4_k|q6_k|f16|f32\n"
               "       --seed S --context N --per-expert-tensors --bench-shape]\n"
               "  --bench-shape: dim 1024, 8 layers, 16 heads, 4 kv heads, 8 experts, top-2, ff 2816, vocab 32000\n");
}
bool parse_type(std::string_view s, GgmlType& t) {
  if (s == "q8_0") t = GgmlType::q8_0;
  else if (s == "q4_0") t = GgmlType::q4_0;
  else if (s == "q4_k") t = GgmlType::q4_k;
  else if (s == "q6_k") t = GgmlType::q6_k;
  else if (s == "f16") t = GgmlType::f16;
  else if (s == "bf16") t = GgmlType::bf16;
  else if (s == "f32") t = GgmlType::f32;
  else return false;
  return true;
}
}  // namespace

int make_demo_model_main(int argc, char** argv) {
  DemoModelParams p;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto next_int = [&](int& dst) {
      if (i + 1 >= argc) return false;
      char* end = nullptr;
      long v = std::strtol(argv[++i], &end, 10);
      if (!end || *end || v < 0 || v > (1 << 24)) return false;
      dst = int(v);
      return true;
    };
    bool ok = true;
    if (a == "make-demo-model") continue;
    if (a == "--out" && i + 1 < argc) out = argv[++i];
    else if (a == "--dim") ok = next_int(p.dim);
    else if (a == "--layers") ok = next_int(p.n_layer);
    else if (a == "--heads") ok = next_int(p.n_head);
    else if (a == "--kv-heads") ok = next_int(p.n_kv_head);
    else if (a == "--experts") ok = next_int(p.n_expert);
    else if (a == "--experts-used") ok = next_int(p.n_expert_used);
    else if (a == "--ff") ok = next_int(p.n_ff);
    else if (a == "--vocab") ok = next_int(p.n_vocab);
    else if (a == "--context") ok = next_int(p.n_ctx);
    else if (a == "--threads") ok = next_int(p.n_threads);
    else if (a == "--seed" && i + 1 < argc) p.seed = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--type" && i + 1 < argc) ok = parse_type(argv[++i], p.type);
    else if (a == "--per-expert-tensors") p.stacked_experts = false;
    else if (a == "--bench-shape") {
      p.dim = 1024, p.n_layer = 8, p.n_head = 16, p.n_kv_head = 4, p.n_expert = 8, p.n_expert_used = 2, p.n_ff = 2816;
      p.n_vocab = 32000;
    } else if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else ok = false;
    if (!ok) {
      std::fprintf(stderr, "make-demo-model: bad argument '%s'\n", argv[i]);
      usage();
      return 2;
    }
  }
  if (out.empty()) {
    usage();
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  if (auto r = write_demo_model(out, p); !r) {
    std::fprintf(stderr, "make-demo-model: %s\n", r.error().message.c_str());
    return 1;
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("wrote %s (dim %d, %d layers, %d heads / %d kv, %d experts top-%d, ff %d) in %.1f s\n", out.c_str(), p.dim,
              p.n_layer, p.n_head, p.n_kv_head, p.n_expert, p.n_expert_used, p.n_ff, s);
  return 0;
}
