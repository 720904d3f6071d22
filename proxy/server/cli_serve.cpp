// switchyard serve / demo: the server on a config file, until SIGINT or SIGTERM; SIGHUP
// reloads the config.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "db/store.h"
#include "proxy/config/config.h"
#include "proxy/server/app.h"
#include "proxy/server/cli.h"
#include "proxy/server/cli_args.h"
#include "proxy/server/demo_key.h"
#include "tools/make_demo_model.h"

namespace switchyard::proxy::cli {

namespace {

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
    "and creates an API key named 'demo' (kept in demo-key next to the database, reused by\n"
    "later starts while it is enabled), printed with a curl line to try.\n";

bool parse_port(const std::string& s, int& port) {
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end || v < 0 || v > 65535) return false;
  port = static_cast<int>(v);
  return true;
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

}  // namespace

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
  opts.port = port;
  auto app = App::create(opts);
  if (!app) return die(app.error().message);

  std::string demo_key;
  if (demo) {
    std::string url = opts.database_url.empty() ? (*config)->database_url : opts.database_url;
    auto store = db::open_store(url);
    if (!store) return die("cannot open database " + db::redact_store_url(url) + ": " + store.error().message);
    auto key = ensure_demo_key(**store, demo_key_path(url));
    if (!key) return die(key.error());
    demo_key = *key;
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


}  // namespace switchyard::proxy::cli
