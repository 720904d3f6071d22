// switchyard: the one binary. Subcommands: serve, demo, keys, make-demo-model, generate.
#include <cstdio>
#include <string>

#include "proxy/server/cli.h"
#include "tools/generate.h"
#include "tools/make_demo_model.h"

namespace {

const char* kUsage =
    "switchyard: an OpenAI-compatible LLM routing proxy with a built-in MoE engine\n"
    "\n"
    "usage: switchyard <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve            serve the API with a config file\n"
    "  demo             create the demo model if missing and the demo key (reused), then serve\n"
    "  keys             create, list, show, update, disable, enable or delete API keys\n"
    "  usage            usage sums per period and group, from the database\n"
    "  export           every raw usage row (with attempts), from the database\n"
    "  make-demo-model  write a small random-weight Mixtral GGUF\n"
    "  generate         run the local engine on one prompt\n"
    "\n"
    "Run 'switchyard <command> --help' for a command's options; 'switchyard --version'.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd == "--version" || cmd == "-V" || cmd == "version") {
    std::printf("switchyard %s (%s)\n", SWITCHYARD_VERSION, SWITCHYARD_BUILD_FEATURES);
    return 0;
  }
  if (cmd == "serve") return switchyard::proxy::cli::serve_main(argc, argv, false);
  if (cmd == "demo") return switchyard::proxy::cli::serve_main(argc, argv, true);
  if (cmd == "keys") return switchyard::proxy::cli::keys_main(argc, argv);
  if (cmd == "usage") return switchyard::proxy::cli::usage_main(argc, argv, false);
  if (cmd == "export") return switchyard::proxy::cli::usage_main(argc, argv, true);
  if (cmd == "make-demo-model") return make_demo_model_main(argc - 1, argv + 1);
  if (cmd == "generate") return generate_main(argc - 1, argv + 1);
  std::fprintf(stderr, "switchyard: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
  return 2;
}
