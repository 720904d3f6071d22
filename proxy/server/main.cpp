// switchyard: the one binary. Subcommands: serve, demo, keys, make-demo-model, generate.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "db/store.h"
#include "proxy/billing/money.h"
#include "proxy/server/app.h"
#include "proxy/config/config.h"
#include "tools/generate.h"
#include "tools/make_demo_model.h"

using namespace switchyard;
using namespace switchyard::proxy;

namespace {

const char* kUsage =
    "switchyard: an OpenAI-compatible LLM routing proxy with a built-in MoE engine\n"
    "\n"
    "usage: switchyard <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve            serve the API with a config file\n"
    "  demo             create the demo model if missing, a fresh demo key, then serve\n"
    "  keys             create or list API keys\n"
    "  make-demo-model  write a small random-weight Mixtral GGUF\n"
    "  generate         run the local engine on one prompt\n"
    "\n"
    "Run 'switchyard <command> --help' for a command's options.\n";

const char* kServeUsage =
    "usage: switchyard serve --config FILE [--host H] [--port N] [--db PATH] [--quiet]\n"
    "\n"
    "Serves /v1/chat/completions, /v1/completions, /v1/models, /api/v1/generation and\n"
    "/api/v1/key (also under /api/v1). --port 0 picks a free port. The first line on\n"
    "stdout is 'listening on http://HOST:PORT'. Ctrl-C (SIGINT) or SIGTERM stops it after\n"
    "writing every queued usage record.\n";

const char* kDemoUsage =
    "usage: switchyard demo --config FILE [--host H] [--port N] [--db PATH] [--quiet]\n"
    "\n"
    "Like serve, but first writes the local provider's demo model if its file is missing\n"
    "and creates a fresh API key named 'demo', printed once.\n";

const char* kKeysUsage =
    "usage: switchyard keys create --name NAME [--limit USD] [--db PATH | --config FILE]\n"
    "       switchyard keys list [--db PATH | --config FILE]\n"
    "\n"
    "create prints the new key once; only its SHA-256 hash is stored. --limit caps the\n"
    "key's spend in USD (402 once reached).\n";

struct Args {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> options;  // --name value
  bool help = false;
  std::string error;

  const std::string* get(const std::string& name) const {
    for (const auto& [k, v] : options)
      if (k == name) return &v;
    return nullptr;
  }
  bool has(const std::string& name) const { return get(name) != nullptr; }
};

Args parse_args(int argc, char** argv, int first, const std::vector<std::string>& flags) {
  Args a;
  for (int i = first; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "--help" || s == "-h") {
      a.help = true;
    } else if (s.rfind("--", 0) == 0) {
      std::string name = s.substr(2), value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        a.error = "option --" + name + " needs a value";
      }
      a.options.emplace_back(name, value);
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

bool parse_port(const std::string& s, int& port) {
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end || v < 0 || v > 65535) return false;
  port = static_cast<int>(v);
  return true;
}

int die(const std::string& message) {
  std::fprintf(stderr, "switchyard: %s\n", message.c_str());
  return 1;
}

// The database path: --db wins, then the config's database.path.
Result<std::string> db_path_from(const Args& a) {
  if (auto* db = a.get("db")) return *db;
  std::string config_path = a.get("config") ? *a.get("config") : "config.yaml";
  auto cfg = load_config(config_path);
  if (!cfg) return std::unexpected(cfg.error());
  return (*cfg)->database_url;
}

Result<std::unique_ptr<db::Store>> open_store(const std::string& path) {
  auto s = db::open_store(path);
  if (!s) return fail(ErrorKind::internal, "cannot open database " + path + ": " + s.error().message);
  return std::move(*s);
}

int keys_main(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {});
  if (a.help || a.positional.empty()) {
    std::fputs(kKeysUsage, a.help ? stdout : stderr);
    return a.help ? 0 : 2;
  }
  if (!a.error.empty()) return die(a.error);
  auto path = db_path_from(a);
  if (!path) return die(path.error().message);
  auto store = open_store(*path);
  if (!store) return die(store.error().message);

  if (a.positional[0] == "create") {
    const std::string* name = a.get("name");
    if (!name || name->empty()) return die("keys create needs --name NAME");
    std::optional<int64_t> limit;
    if (auto* l = a.get("limit")) {
      auto usd = billing::parse_usd(*l);
      if (!usd) return die("--limit: " + usd.error().message);
      limit = usd->pico();
    }
    auto created = (*store)->create_key(*name, limit);
    if (!created) return die("cannot create key: " + created.error().message);
    std::printf("%s\n", created->key.c_str());
    std::fprintf(stderr, "created key '%s' (%s)%s; it is shown only this once\n", name->c_str(),
                 created->row.label.c_str(), limit ? (", limit $" + billing::usd_string(billing::Picodollars(*limit))).c_str() : "");
    return 0;
  }
  if (a.positional[0] == "list") {
    auto rows = (*store)->list_keys();
    if (!rows) return die(rows.error().message);
    std::printf("%-24s %-24s %-12s %-12s %s\n", "name", "label", "usage_usd", "limit_usd", "disabled");
    for (const auto& r : *rows)
      std::printf("%-24s %-24s %-12s %-12s %s\n", r.name.c_str(), r.label.c_str(),
                  billing::usd_string(billing::Picodollars(r.usage_pico)).c_str(),
                  r.limit_pico ? billing::usd_string(billing::Picodollars(*r.limit_pico)).c_str() : "-", r.disabled ? "yes" : "no");
    return 0;
  }
  return die("unknown keys command '" + a.positional[0] + "' (create, list)");
}

// Writes the demo model for every local provider whose model file is missing.
int ensure_demo_models(const Config& config) {
  for (const auto& p : config.providers) {
    if (p.kind != "local" || std::filesystem::exists(p.model_path)) continue;
    if (auto parent = std::filesystem::path(p.model_path).parent_path(); !parent.empty())
      std::filesystem::create_directories(parent);
    std::fprintf(stderr, "writing demo model %s\n", p.model_path.c_str());
    std::string out = p.model_path;
    std::vector<std::string> args = {"make-demo-model", "--out", out};
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    // The writer reports on stdout; keep stdout's first line for 'listening on ...'.
    std::fflush(stdout);
    int saved = dup(1);
    dup2(2, 1);
    int rc = make_demo_model_main(static_cast<int>(args.size()), argv.data());
    std::fflush(stdout);
    dup2(saved, 1);
    close(saved);
    if (rc != 0) return rc;
  }
  return 0;
}

// SIGHUP re-reads the config file (a bad one is refused and the running one stays);
// SIGINT and SIGTERM stop the server after the ledger is written.
void watch_signals(const sigset_t& signals, App& app) {
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) return;
    if (sig != SIGHUP) {
      std::fprintf(stderr, "switchyard: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
      app.stop();
      return;
    }
    auto source = app.catalog()->config->source_path;
    if (auto ok = app.reload_from_file(); ok)
      std::fprintf(stderr, "switchyard: SIGHUP: configuration reloaded from %s\n", source.c_str());
    else
      std::fprintf(stderr, "switchyard: SIGHUP: %s; still serving the previous configuration\n",
                   ok.error().message.c_str());
  }
}

int serve_main(int argc, char** argv, bool demo) {
  Args a = parse_args(argc, argv, 2, {"quiet"});
  if (a.help) {
    std::fputs(demo ? kDemoUsage : kServeUsage, stdout);
    return 0;
  }
  if (!a.error.empty()) return die(a.error);
  if (!a.positional.empty()) return die("unexpected argument '" + a.positional[0] + "'");
  const std::string* config_path = a.get("config");
  if (!config_path) return die(std::string("--config FILE is required\n") + (demo ? kDemoUsage : kServeUsage));

  auto config = load_config(*config_path);
  if (!config) return die(config.error().message);
  for (const auto& w : (*config)->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());

  std::string host = a.get("host") ? *a.get("host") : (*config)->server.host;
  int port = (*config)->server.port;
  if (auto* p = a.get("port"); p && !parse_port(*p, port)) return die("--port must be 0..65535");

  if (demo)
    if (int rc = ensure_demo_models(**config); rc != 0) return rc;

  // Signals go to one watcher thread (blocked everywhere else, inherited by every thread).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  AppOptions opts;
  opts.config = *config;
  if (auto* db = a.get("db")) opts.database_url = *db;
  opts.quiet = a.has("quiet");
  auto app = App::create(opts);
  if (!app) return die(app.error().message);

  std::string demo_key;
  if (demo) {
    std::string path = opts.database_url.empty() ? (*config)->database_url : opts.database_url;
    auto store = open_store(path);
    if (!store) return die(store.error().message);
    auto created = (*store)->create_key("demo");
    if (!created) return die("cannot create the demo key: " + created.error().message);
    demo_key = created->key;
  }

  auto bound = (*app)->bind(host, port);
  if (!bound) return die(bound.error().message);
  std::printf("listening on http://%s:%d\n", host.c_str(), *bound);
  if (demo) {
    std::printf("demo API key: %s\n", demo_key.c_str());
    std::printf("try: curl http://%s:%d/v1/chat/completions -H 'Authorization: Bearer %s' "
                "-H 'Content-Type: application/json' "
                "-d '{\"model\":\"switchyard/demo-mixtral\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}'\n",
                host.c_str(), *bound, demo_key.c_str());
  }
  std::fflush(stdout);

  App* appp = app->get();
  std::thread watcher([&signals, appp] { watch_signals(signals, *appp); });
  (*app)->serve();
  (*app)->stop();  // flushes the ledger
  // If serve() ended on its own, release the watcher.
  pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
  std::fprintf(stderr, "switchyard: stopped; usage records written: %lld\n",
               static_cast<long long>((*app)->ledger().stats().records_written));
  return 0;
}

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
  if (cmd == "serve") return serve_main(argc, argv, false);
  if (cmd == "demo") return serve_main(argc, argv, true);
  if (cmd == "keys") return keys_main(argc, argv);
  if (cmd == "make-demo-model") return make_demo_model_main(argc - 1, argv + 1);
  if (cmd == "generate") return generate_main(argc - 1, argv + 1);
  std::fprintf(stderr, "switchyard: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
  return 2;
}
