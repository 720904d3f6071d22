#include "support/mock_upstream.h"

#include <httplib.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

#include "providers/json_writer.h"

namespace switchyard::testing {

namespace {
constexpr auto kMaxHang = std::chrono::seconds(60);  // a forgotten hang still ends
constexpr auto kPingEvery = std::chrono::milliseconds(5);

bool iequals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}
// httplib 0.11 has no way to close idle keep-alive connections on stop(): a worker waits
// out the keep-alive timeout for a pooled client connection to speak again. Shutting down
// the accepted sockets (local port == ours, with a peer) wakes those workers at once.
void shutdown_accepted_sockets(int port) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return;
  while (dirent* entry = readdir(dir)) {
    const int fd = std::atoi(entry->d_name);
    if (fd <= 2) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 || local.ss_family != AF_INET) continue;
    if (ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port) != port) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    shutdown(fd, SHUT_RDWR);
  }
  closedir(dir);
}

}  // namespace

std::string RecordedRequest::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return "";
}

// ---------------------------------------------------------------- responses

MockResponse MockResponse::json(std::string body, int status) {
  MockResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

MockResponse MockResponse::error(int status, std::string body, int retry_after_seconds) {
  MockResponse r = json(std::move(body), status);
  if (retry_after_seconds > 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return r;
}

MockResponse MockResponse::sse(std::vector<std::string> chunks, Tail tail) {
  MockResponse r;
  r.kind = Kind::stream;
  r.content_type = "text/event-stream";
  r.chunks = std::move(chunks);
  r.tail = tail;
  return r;
}

MockResponse MockResponse::hang() {
  MockResponse r;
  r.kind = Kind::hang;
  return r;
}

MockResponse MockResponse::garbage() {
  MockResponse r;
  r.content_type = "text/html";
  r.body = "<html><body>502 Bad Gateway (not JSON)</body></html>";
  return r;
}

MockResponse MockResponse::fast() {
  static const MockResponse kFast = json(chat_completion_json());
  return kFast;
}

// ---------------------------------------------------------------- payload builders

std::string chat_completion_json(const ChatReplySpec& spec) {
  JsonWriter w;
  w.begin_object().field("id", spec.id).field("object", "chat.completion").field("created", int64_t{1700000000});
  w.field("model", spec.model).key("choices").begin_array().begin_object().field("index", int64_t{0});
  w.key("message").begin_object().field("role", "assistant").field("content", spec.content).end_object();
  w.field("finish_reason", spec.finish_reason).end_object().end_array();
  if (spec.with_usage) {
    w.key("usage").begin_object().field("prompt_tokens", spec.prompt_tokens);
    w.field("completion_tokens", spec.completion_tokens);
    w.field("total_tokens", spec.prompt_tokens + spec.completion_tokens);
    if (spec.cached_tokens > 0)
      w.key("prompt_tokens_details").begin_object().field("cached_tokens", spec.cached_tokens).end_object();
    w.end_object();
  }
  return w.end_object().take();
}

namespace {
// One chat.completion.chunk; `fill_choice` writes the members of choices[0].
template <class F>
std::string chunk_json(const ChatStreamSpec& spec, F fill_choice) {
  JsonWriter w;
  w.begin_object().field("id", spec.id).field("object", "chat.completion.chunk");
  w.field("created", int64_t{1700000000}).field("model", spec.model);
  w.key("choices").begin_array().begin_object().field("index", int64_t{0});
  fill_choice(w);
  return w.end_object().end_array().end_object().take();
}
}  // namespace

std::vector<std::string> chat_completion_sse(const ChatStreamSpec& spec) {
  const std::string eol = spec.crlf ? "\r\n" : "\n";
  std::vector<std::string> out;
  auto event = [&](const std::string& data) { out.push_back("data: " + data + eol + eol); };
  if (spec.with_comments) out.push_back(": OPENROUTER PROCESSING" + eol + eol);
  bool first = true;
  for (const auto& d : spec.deltas) {
    event(chunk_json(spec, [&](JsonWriter& w) {
      w.key("delta").begin_object();
      if (first) w.field("role", "assistant");
      w.field("content", d).end_object().field_null("finish_reason");
    }));
    first = false;
    if (spec.with_comments) out.push_back(": OPENROUTER PROCESSING" + eol + eol);
  }
  for (const auto& tc : spec.tool_calls) {
    for (size_t i = 0; i < std::max<size_t>(1, tc.argument_fragments.size()); ++i) {
      event(chunk_json(spec, [&](JsonWriter& w) {
        w.key("delta").begin_object();
        if (first) w.field("role", "assistant").field_null("content");
        w.key("tool_calls").begin_array().begin_object().field("index", tc.index);
        if (i == 0) w.field("id", tc.id).field("type", "function");
        w.key("function").begin_object();
        if (i == 0) w.field("name", tc.name);
        w.field("arguments", i < tc.argument_fragments.size() ? tc.argument_fragments[i] : std::string());
        w.end_object().end_object().end_array().end_object().field_null("finish_reason");
      }));
      first = false;
    }
  }
  if (!spec.finish_reason.empty())
    event(chunk_json(spec, [&](JsonWriter& w) {
      w.key("delta").begin_object().end_object().field("finish_reason", spec.finish_reason);
    }));
  if (spec.with_usage) {
    JsonWriter w;
    w.begin_object().field("id", spec.id).field("object", "chat.completion.chunk").field("model", spec.model);
    w.key("choices").begin_array().end_array();
    w.key("usage").begin_object().field("prompt_tokens", spec.prompt_tokens);
    w.field("completion_tokens", spec.completion_tokens);
    w.field("total_tokens", spec.prompt_tokens + spec.completion_tokens).end_object().end_object();
    event(w.str());
  }
  if (spec.with_done) event("[DONE]");
  return out;
}

// ---------------------------------------------------------------- the server

MockUpstream::MockUpstream() : MockUpstream(Options{}) {}

MockUpstream::MockUpstream(Options options)
    : options_(options),
      server_(std::make_unique<httplib::Server>()),
      default_response_(std::make_shared<const MockResponse>(MockResponse::json(chat_completion_json()))) {
  const size_t threads = std::max<size_t>(1, options_.worker_threads);
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Short keep-alive: an idle pooled client connection must not hold up stop() for long.
  server_->set_keep_alive_timeout(1);
  auto h = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  server_->Get(".*", h);
  server_->Post(".*", h);
  server_->Put(".*", h);
  server_->Delete(".*", h);
  // httplib listens with a backlog of 5: hundreds of concurrent upstream connections (the
  // concurrency tests and benchmarks) would wait out SYN retransmits. Raise it.
  int listen_fd = -1;
  server_->set_socket_options([&listen_fd](socket_t s) {
    httplib::default_socket_options(s);
    listen_fd = s;
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  server_->set_socket_options(httplib::default_socket_options);
  if (port_ <= 0) throw std::runtime_error("mock upstream: cannot bind 127.0.0.1:0");
  if (listen_fd >= 0) ::listen(listen_fd, 4096);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so wait for it (a condition, not a nap:
  // the loop exits as soon as the server reports running).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_->is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::microseconds(200));
}

MockUpstream::~MockUpstream() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  server_->stop();
  shutdown_accepted_sockets(port_);
  if (thread_.joinable()) thread_.join();
}

std::string MockUpstream::base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

void MockUpstream::set_response(MockResponse response) {
  std::lock_guard lock(mutex_);
  default_response_ = std::make_shared<const MockResponse>(std::move(response));
}

void MockUpstream::enqueue(MockResponse response) {
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(response));
}

void MockUpstream::route(const std::string& path, Handler handler) {
  std::lock_guard lock(mutex_);
  routes_[path] = std::move(handler);
}

size_t MockUpstream::request_count() const {
  std::lock_guard lock(mutex_);
  return request_count_;
}

std::vector<RecordedRequest> MockUpstream::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::optional<RecordedRequest> MockUpstream::last_request() const {
  std::lock_guard lock(mutex_);
  if (requests_.empty()) return std::nullopt;
  return requests_.back();
}

size_t MockUpstream::disconnect_count() const {
  std::lock_guard lock(mutex_);
  return disconnect_count_;
}

bool MockUpstream::wait_for_requests(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return request_count_ >= n; });
}

bool MockUpstream::wait_for_disconnects(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return disconnect_count_ >= n; });
}

void MockUpstream::release_hangs() {
  {
    std::lock_guard lock(mutex_);
    ++release_generation_;
  }
  changed_.notify_all();
}

bool MockUpstream::wait_released_since(uint64_t generation, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return stopping_ || release_generation_ != generation; });
}

void MockUpstream::handle(const httplib::Request& req, httplib::Response& res) {
  Handler custom;
  std::shared_ptr<const MockResponse> response;
  uint64_t generation = 0;  // a release_hangs() after this request was counted must free it
  {
    std::lock_guard lock(mutex_);
    generation = release_generation_;
    ++request_count_;
    if (options_.record_bodies) {
      RecordedRequest r{req.method, req.path, {}, req.body, req.remote_port};
      for (const auto& [k, v] : req.headers) r.headers.emplace(k, v);
      requests_.push_back(std::move(r));
    }
    if (auto it = routes_.find(req.path); it != routes_.end()) {
      custom = it->second;
    } else if (!queue_.empty()) {
      response = std::make_shared<const MockResponse>(std::move(queue_.front()));
      queue_.pop_front();
    } else {
      response = default_response_;
    }
  }
  changed_.notify_all();
  if (custom) return custom(req, res);
  serve(*response, res, generation);
}

void MockUpstream::serve(const MockResponse& response, httplib::Response& res, uint64_t generation) {
  for (const auto& [k, v] : response.headers) res.set_header(k, v);
  switch (response.kind) {
    case MockResponse::Kind::body:
      res.status = response.status;
      res.set_content(response.body, response.content_type.c_str());
      return;
    case MockResponse::Kind::hang:
      wait_released_since(generation, kMaxHang);
      res.status = 504;  // by now the client has usually gone; nobody reads this
      return;
    case MockResponse::Kind::stream:
      break;
  }
  res.status = response.status;
  // The provider runs on this handler's worker thread while the response is written.
  auto r = std::make_shared<const MockResponse>(response);
  res.set_chunked_content_provider(r->content_type, [this, r, generation](size_t, httplib::DataSink& sink) {
    auto client_gone = [this] {
      {
        std::lock_guard lock(mutex_);
        ++disconnect_count_;
      }
      changed_.notify_all();
      return false;
    };
    for (const auto& chunk : r->chunks)
      if (!sink.write(chunk.data(), chunk.size())) return client_gone();
    switch (r->tail) {
      case MockResponse::Tail::end:
        sink.done();
        return true;
      case MockResponse::Tail::drop:
        return false;  // httplib closes the socket without the terminating chunk
      case MockResponse::Tail::hang_silent:
        wait_released_since(generation, kMaxHang);
        return false;
      case MockResponse::Tail::hang_pinging:
        for (;;) {
          static constexpr std::string_view kPing = ": ping\n\n";
          if (!sink.write(kPing.data(), kPing.size())) return client_gone();
          if (wait_released_since(generation, kPingEvery)) return false;
        }
    }
    return false;
  });
}

}  // namespace switchyard::testing
