#include "tools/generate.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "local_engine/engine.h"

using namespace switchyard::engine;

namespace {

void usage(std::FILE* f) {
  std::fprintf(f,
               "usage: switchyard generate --model FILE --prompt TEXT [--max-tokens N] [--temperature T]\n"
               "       [--seed S] [--threads N] [--ctx N] [--device auto|cpu|cuda:N] [--ignore-eos]\n"
               "       [--template NAME|raw] [--print-ids] [--json | --schema JSON]\n"
               "  --device: where the model runs (default auto: the first CUDA GPU, else the CPU);\n"
               "            the device line on stderr says which, and why not the GPU\n"
               "  --print-ids: also print the prompt's and the generated token ids on stderr\n"
               "  --json: the output is one JSON object; --schema: JSON valid under that JSON schema\n"
               "  --template: vicuna | mistral | chatml renders TEXT as one user message (default: the\n"
               "              model's own template, else vicuna); raw feeds TEXT as is (after BOS)\n"
               "  prints the generated text on stdout as it comes, and on stderr\n"
               "  'prefill: X tok/s' and 'decode: Y tok/s'\n");
}

bool parse_int(const char* s, long long& out) {
  char* end = nullptr;
  out = std::strtoll(s, &end, 10);
  return end && *end == '\0' && end != s;
}

bool parse_float(const char* s, double& out) {
  char* end = nullptr;
  out = std::strtod(s, &end);
  return end && *end == '\0' && end != s;
}

}  // namespace

int generate_main(int argc, char** argv) {
  EngineOptions options;
  options.max_sequences = 1;
  options.max_queue = 0;
  GenerationRequest req;
  req.max_tokens = 128;
  std::string prompt, tmpl;
  bool have_prompt = false;
  bool print_ids = false;  // token ids on stderr, for comparisons with other engines
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    long long n = 0;
    double d = 0;
    auto bad = [&] {
      std::fprintf(stderr, "generate: %s needs a valid value\n", argv[i]);
      return 2;
    };
    if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else if (a == "--ignore-eos") {
      req.ignore_eos = true;
      continue;
    } else if (a == "--print-ids") {
      print_ids = true;
      continue;
    } else if (a == "--json") {
      req.response_format.kind = ResponseFormat::Kind::json_object;
      continue;
    }
    if (!v) {
      if (a.starts_with("--")) return bad();
      std::fprintf(stderr, "generate: unexpected argument '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
    if (a == "--model") options.model_path = v;
    else if (a == "--prompt") { prompt = v; have_prompt = true; }
    else if (a == "--template") tmpl = v;
    else if (a == "--max-tokens") { if (!parse_int(v, n) || n < 1) return bad(); req.max_tokens = static_cast<int>(n); }
    else if (a == "--temperature") { if (!parse_float(v, d) || d < 0) return bad(); req.sampling.temperature = static_cast<float>(d); }
    else if (a == "--seed") { if (!parse_int(v, n)) return bad(); req.sampling.seed = static_cast<uint64_t>(n); }
    else if (a == "--threads") { if (!parse_int(v, n) || n < 0) return bad(); options.threads = static_cast<int>(n); }
    else if (a == "--ctx") { if (!parse_int(v, n) || n < 0) return bad(); options.n_ctx = static_cast<int>(n); }
    else if (a == "--device") options.device = v;
    else if (a == "--schema") req.response_format = {ResponseFormat::Kind::json_schema, v};
    else {
      std::fprintf(stderr, "generate: unknown option '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
    ++i;
  }
  if (options.model_path.empty() || !have_prompt) {
    usage(stderr);
    return 2;
  }
  if (tmpl == "raw") {
    req.prompt = prompt;
  } else {
    options.chat_template = tmpl;
    req.messages = {{"user", prompt}};
  }

  auto engine = Engine::open(options);
  if (!engine) {
    std::fprintf(stderr, "generate: %s\n", engine.error().message.c_str());
    return 1;
  }
  {
    const EngineInfo& info = (*engine)->info();
    std::fprintf(stderr, "device: %s%s%s\n", info.device.c_str(), info.device_note.empty() ? "" : "; ",
                 info.device_note.c_str());
  }
  if (print_ids) {
    auto ids = (*engine)->tokenize_prompt(req);
    if (!ids) {
      std::fprintf(stderr, "generate: %s\n", ids.error().message.c_str());
      return 1;
    }
    std::fprintf(stderr, "prompt ids:");
    for (int32_t id : *ids) std::fprintf(stderr, " %d", id);
    std::fprintf(stderr, "\n");
  }
  std::vector<int32_t> generated;
  auto gen = (*engine)->submit(std::move(req));
  if (!gen) {
    std::fprintf(stderr, "generate: %s\n", gen.error().message.c_str());
    return 1;
  }
  GenerationUsage usage;
  std::string finish;
  while (auto ev = (*gen)->next()) {
    if (ev->kind == GenerationEvent::Kind::delta) {
      if (ev->token) generated.push_back(ev->token->id);
      if (!ev->text.empty()) {
        std::fwrite(ev->text.data(), 1, ev->text.size(), stdout);
        std::fflush(stdout);
      }
    } else if (ev->kind == GenerationEvent::Kind::finish) {
      usage = ev->usage;
      finish = ev->native_finish_reason;
    } else {
      std::fprintf(stderr, "\ngenerate: %s\n", ev->error.c_str());
      return 1;
    }
  }
  std::fputc('\n', stdout);
  std::fflush(stdout);
  if (print_ids) {
    std::fprintf(stderr, "generated ids:");
    for (int32_t id : generated) std::fprintf(stderr, " %d", id);
    std::fprintf(stderr, "\n");
  }
  const double prefill = usage.prefill_seconds > 0 ? static_cast<double>(usage.prompt_tokens) / usage.prefill_seconds : 0;
  const int64_t decoded = usage.completion_tokens > 1 ? usage.completion_tokens - 1 : 0;  // after the first
  const double decode = usage.decode_seconds > 0 ? static_cast<double>(decoded) / usage.decode_seconds : 0;
  std::fprintf(stderr, "prompt: %lld tokens, completion: %lld tokens (%s)\n",
               static_cast<long long>(usage.prompt_tokens), static_cast<long long>(usage.completion_tokens),
               finish.c_str());
  std::fprintf(stderr, "prefill: %.1f tok/s\n", prefill);
  std::fprintf(stderr, "decode: %.1f tok/s\n", decode);
  return 0;
}
