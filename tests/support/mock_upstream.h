// An in-process mock of an OpenAI-compatible upstream on 127.0.0.1:<ephemeral port>
// (DESIGN.md §3: hermetic tests). Tests script what it answers (a JSON body, SSE chunks,
// an error status, a hang, a dropped connection, garbage) and assert on what it received.
// Also used by proxy integration tests and benchmarks (MockResponse::fast), and any path
// can be given a custom handler (e.g. an Anthropic /v1/messages mock).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace switchyard::testing {

struct RecordedRequest {
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> headers;  // names as sent
  std::string body;
  int remote_port = 0;  // the client's port: equal ports on one client = a reused connection
  // The first value of a header, case-insensitively; "" when absent.
  std::string header(const std::string& name) const;
};

// What the mock answers to one request.
struct MockResponse {
  enum class Kind {
    body,    // status + content_type + body, all at once
    stream,  // status 200, chunked, `chunks` written one write each, then `tail`
    hang,    // never answers (no byte at all) until the client leaves or the mock stops
  };
  // How a stream ends after its chunks.
  enum class Tail {
    end,           // terminating chunk: a clean end of the body
    drop,          // the connection is closed without the terminating chunk
    hang_silent,   // nothing more is sent until the mock stops (idle-timeout tests)
    hang_pinging,  // ": ping" comments every few ms until the client disconnects
  };

  Kind kind = Kind::body;
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. Retry-After
  std::vector<std::string> chunks;                            // Kind::stream
  Tail tail = Tail::end;

  // --- builders
  static MockResponse json(std::string body, int status = 200);
  static MockResponse error(int status, std::string body, int retry_after_seconds = 0);
  static MockResponse sse(std::vector<std::string> chunks, Tail tail = Tail::end);
  static MockResponse hang();
  static MockResponse garbage();  // 200 with a body that is not JSON
  // A small fixed chat completion built once (benchmarks: minimal work per request).
  static MockResponse fast();
};

// --- payload builders for the common OpenAI shapes
struct ChatReplySpec {
  std::string id = "chatcmpl-mock";
  std::string model = "mock-model";
  std::string content = "Hello from the mock.";
  std::string finish_reason = "stop";
  bool with_usage = true;
  int64_t prompt_tokens = 11;
  int64_t completion_tokens = 5;
  int64_t cached_tokens = 0;  // > 0: prompt_tokens_details.cached_tokens
};
std::string chat_completion_json(const ChatReplySpec& spec = {});

struct StreamToolCall {
  int64_t index = 0;
  std::string id;       // sent on the first delta
  std::string name;     // sent on the first delta
  std::vector<std::string> argument_fragments;
};

struct ChatStreamSpec {
  std::string id = "chatcmpl-mock";
  std::string model = "mock-model";
  std::vector<std::string> deltas = {"Hel", "lo", "!"};
  std::vector<StreamToolCall> tool_calls;  // after the content deltas
  std::string finish_reason = "stop";      // "" : no finish chunk
  bool with_usage = true;                  // a usage chunk with "choices": []
  int64_t prompt_tokens = 11;
  int64_t completion_tokens = 3;
  bool with_done = true;                   // "data: [DONE]"
  bool with_comments = false;              // ": OPENROUTER PROCESSING" lines in between
  bool crlf = false;                       // CRLF line endings
};
// One SSE event per element (each becomes one chunk write).
std::vector<std::string> chat_completion_sse(const ChatStreamSpec& spec = {});

class MockUpstream {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  struct Options {
    size_t worker_threads = 8;
    bool record_bodies = true;  // false for benchmarks: only count requests
  };

  MockUpstream();
  explicit MockUpstream(Options options);
  ~MockUpstream();  // releases hangs, stops the server, joins its thread
  MockUpstream(const MockUpstream&) = delete;
  MockUpstream& operator=(const MockUpstream&) = delete;

  int port() const { return port_; }
  std::string base_url() const;  // "http://127.0.0.1:<port>/v1"

  // The answer for every request to a path without a custom route...
  void set_response(MockResponse response);
  // ...except that queued answers are used first, one per request, in order.
  void enqueue(MockResponse response);
  // A custom handler for one exact path (any method), checked before the defaults.
  void route(const std::string& path, Handler handler);

  // Observations (thread-safe copies).
  size_t request_count() const;
  std::vector<RecordedRequest> requests() const;
  std::optional<RecordedRequest> last_request() const;
  size_t disconnect_count() const;  // streams that found their client gone

  // Block until the condition holds or the timeout passes; true when it holds.
  bool wait_for_requests(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  bool wait_for_disconnects(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

  // Wakes every hanging handler now (they then close their connection).
  void release_hangs();

 private:
  void handle(const httplib::Request& req, httplib::Response& res);
  void serve(const MockResponse& response, httplib::Response& res, uint64_t generation);
  // Waits until released (any release_hangs() since the request saw `generation`: none is
  // lost when it runs between the request being counted and the handler waiting), stopped,
  // or `timeout`; true when released or stopped.
  bool wait_released_since(uint64_t generation, std::chrono::milliseconds timeout);

  Options options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::shared_ptr<const MockResponse> default_response_;  // shared: no copy per request
  std::deque<MockResponse> queue_;
  std::map<std::string, Handler> routes_;
  std::vector<RecordedRequest> requests_;
  size_t request_count_ = 0;
  size_t disconnect_count_ = 0;
  uint64_t release_generation_ = 0;
  bool stopping_ = false;
};

}  // namespace switchyard::testing
