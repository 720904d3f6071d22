// Live config reload (SIGHUP) on the real binary: a changed price applies to the next
// request while a stream opened before the reload is billed at the old price; a config
// with an error is refused and the running one keeps serving.
#include <catch2/catch.hpp>
#include <httplib.h>
#include <signal.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "support/child_process.h"
#include "db/store.h"
#include "harness.h"
#include "support/mock_upstream.h"

using namespace switchyard;
using namespace switchyard::testing;

namespace {

std::string config_text(int port, const std::string& prompt_price, const std::string& completion_price) {
  return "server: { threads: 8 }\n"
         "providers:\n"
         "  - { name: up, kind: openai, base_url: \"http://127.0.0.1:" + std::to_string(port) + "/v1\" }\n"
         "models:\n"
         "  - id: test/model\n"
         "    context_length: 1000\n"
         "    endpoints:\n"
         "      - { provider: up, model: up-model, pricing: { prompt: " + prompt_price + ", completion: " +
         completion_price + " } }\n";
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// An upstream whose streams send one delta, then wait for release() before their usage.
struct HeldUpstream {
  MockUpstream up;
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;

  HeldUpstream() {
    up.route("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      if (req.body.find("\"stream\":true") == std::string::npos) {
        ChatReplySpec spec;
        spec.prompt_tokens = 10;
        spec.completion_tokens = 5;
        res.set_content(chat_completion_json(spec), "application/json");
        return;
      }
      res.set_chunked_content_provider("text/event-stream", [this](size_t, httplib::DataSink& sink) {
        ChatStreamSpec spec;
        spec.deltas = {"Hi"};
        spec.prompt_tokens = 10;
        spec.completion_tokens = 5;
        auto events = chat_completion_sse(spec);
        sink.write(events[0].data(), events[0].size());  // role + the first delta
        sink.write(events[1].data(), events[1].size());
        {
          std::unique_lock lock(mu);
          cv.wait_for(lock, std::chrono::seconds(20), [this] { return released; });
        }
        for (size_t i = 2; i < events.size(); ++i) sink.write(events[i].data(), events[i].size());
        sink.done();
        return true;
      });
    });
  }
  void release() {
    std::lock_guard lock(mu);
    released = true;
    cv.notify_all();
  }
};

struct Server {
  std::string dir = temp_path("switchyard-reload");
  std::string config_path = dir + "/config.yaml";
  std::string db_path = dir + "/ledger.db";
  std::unique_ptr<ChildProcess> child;
  std::string key;
  int port = 0;

  explicit Server(const std::string& config) {
    std::filesystem::create_directories(dir);
    write_file(config_path, config);
    key = (*db::open_store(db_path))->create_key("reload")->key;
    child = std::make_unique<ChildProcess>(std::vector<std::string>{
        switchyard_binary(), "serve", "--config", config_path, "--port", "0", "--db", db_path, "--quiet"});
    port = port_from_listening_line(child->read_line());
    REQUIRE(port > 0);
  }
  ~Server() {
    child->signal(SIGTERM);
    child->wait();
    std::filesystem::remove_all(dir);
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(20, 0);
    return c;
  }
  // Waits until GET /v1/models lists `prompt_usd_per_token` as the model's prompt price.
  bool wait_for_price(const std::string& prompt_usd_per_token) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = client().Get("/v1/models");
      if (r && r->body.find("\"prompt\":\"" + prompt_usd_per_token + "\"") != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  int64_t cost_of(const std::string& generation_id) const {
    auto store = db::open_store(db_path);
    for (int i = 0; i < 500; ++i) {  // rows land within the writer's next batch
      auto row = (*store)->get_generation(generation_id);
      if (row && *row) return (*row)->cost_pico;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
};

const char* kPlain = R"({"model":"test/model","messages":[{"role":"user","content":"hi"}]})";
const char* kStream = R"({"model":"test/model","stream":true,"messages":[{"role":"user","content":"hi"}]})";

}  // namespace

TEST_CASE("SIGHUP: new prices bill new requests, a stream opened before keeps the old", "[integration][reload]") {
  HeldUpstream upstream;
  Server server(config_text(upstream.up.port(), "1", "2"));
  REQUIRE(server.wait_for_price("0.000001"));

  // A stream opens at $1/$2 per million and is held after its first delta.
  std::promise<void> first_delta;
  std::string stream_gen, stream_body;
  std::thread streamer([&] {
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/chat/completions";
    req.headers = bearer(server.key);
    req.body = kStream;
    req.set_header("Content-Type", "application/json");
    bool signalled = false;
    req.response_handler = [&](const httplib::Response& res) {
      stream_gen = res.get_header_value("X-Generation-Id");
      return true;
    };
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      stream_body.append(data, n);
      if (!signalled && stream_body.find("Hi") != std::string::npos) {
        signalled = true;
        first_delta.set_value();
      }
      return true;
    };
    server.client().send(req);
  });
  REQUIRE(first_delta.get_future().wait_for(std::chrono::seconds(20)) == std::future_status::ready);

  write_file(server.config_path, config_text(upstream.up.port(), "3", "4"));
  server.child->signal(SIGHUP);
  REQUIRE(server.wait_for_price("0.000003"));

  auto plain = server.client().Post("/v1/chat/completions", bearer(server.key), kPlain, "application/json");
  REQUIRE(plain);
  REQUIRE(plain->status == 200);
  // 10 prompt + 5 completion tokens at $3/M and $4/M.
  CHECK(server.cost_of(plain->get_header_value("X-Generation-Id")) == 10 * 3000000 + 5 * 4000000);

  upstream.release();
  streamer.join();
  CHECK(stream_body.find("data: [DONE]") != std::string::npos);
  // The held stream started before the reload: $1/M and $2/M.
  CHECK(server.cost_of(stream_gen) == 10 * 1000000 + 5 * 2000000);
  CHECK(server.child->stderr_text().find("configuration reloaded") != std::string::npos);
}

TEST_CASE("SIGHUP with a broken config keeps serving the running one", "[integration][reload]") {
  HeldUpstream upstream;
  Server server(config_text(upstream.up.port(), "1", "2"));
  REQUIRE(server.wait_for_price("0.000001"));
  write_file(server.config_path, "providers: [ { name: up, kind: grpc } ]\nmodels: []\n");
  server.child->signal(SIGHUP);
  // The refusal is reported on stderr; wait for it, then check the old catalog still serves.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server.child->stderr_text().find("still serving the previous configuration") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::string err = server.child->stderr_text();
  CHECK(err.find("still serving the previous configuration") != std::string::npos);
  CHECK(err.find("providers[0].kind") != std::string::npos);
  auto plain = server.client().Post("/v1/chat/completions", bearer(server.key), kPlain, "application/json");
  REQUIRE(plain);
  CHECK(plain->status == 200);
  CHECK(server.cost_of(plain->get_header_value("X-Generation-Id")) == 10 * 1000000 + 5 * 2000000);
}
