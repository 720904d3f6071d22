#include "providers/http/transfer.h"

#include <algorithm>
#include <cctype>
#include <mutex>

namespace switchyard::providers::http {

using Clock = std::chrono::steady_clock;

Error curl_call_error(const char* what, const char* statement, const char* file, int line) {
  return Error{ErrorKind::internal,
               std::string("libcurl call failed: ") + statement + ": " + what + " (" + file + ":" +
                   std::to_string(line) + ")",
               0, {}, 0};
}

// One per thread: the multi handle keeps the connection and DNS caches; spare easy handles
// avoid re-allocation. The mutex only matters if a stream is pulled on a thread other than
// the one that opened it (curl handles must never be used by two threads at once).
struct CurlPool {
  static constexpr size_t kMaxSpareHandles = 8;
  CURLM* multi = nullptr;
  std::vector<CURL*> spare;
  std::mutex mutex;

  CurlPool() {
    static std::once_flag global_init;
    std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    multi = curl_multi_init();
    if (multi) curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 32L);
  }
  ~CurlPool() {
    for (CURL* e : spare) curl_easy_cleanup(e);
    if (multi) curl_multi_cleanup(multi);
  }
  static std::shared_ptr<CurlPool> for_this_thread() {
    thread_local std::shared_ptr<CurlPool> pool = std::make_shared<CurlPool>();
    return pool;
  }
};

Result<std::unique_ptr<Transfer>> Transfer::start(TransferParams params) {
  std::unique_ptr<Transfer> t(new Transfer());
  t->params_ = std::move(params);
  t->watch_wake_fd_ = t->params_.wake_fd >= 0;
  t->pool_ = CurlPool::for_this_thread();
  if (!t->pool_->multi) return fail(ErrorKind::internal, "curl_multi_init failed");
  std::lock_guard lock(t->pool_->mutex);
  if (auto ok = t->setup(); !ok) return std::unexpected(ok.error());
  return t;
}

Result<void> Transfer::setup() {
  if (!pool_->spare.empty()) {
    easy_ = pool_->spare.back();
    pool_->spare.pop_back();
    curl_easy_reset(easy_);
  } else {
    easy_ = curl_easy_init();
    if (!easy_) return fail(ErrorKind::internal, "curl_easy_init failed");
  }
  for (const auto& h : params_.headers) {
    curl_slist* next = curl_slist_append(header_list_, h.c_str());
    if (!next) return fail(ErrorKind::internal, "curl_slist_append failed");
    header_list_ = next;
  }
  // Without this curl waits up to 1 s for "100 Continue" before sending large bodies.
  header_list_ = curl_slist_append(header_list_, "Expect:");
  const auto& p = params_;
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_URL, p.url.c_str()));
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_POST, 1L));
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, p.body.data()));
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(p.body.size())));
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, header_list_));
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &Transfer::on_body));
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this));
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &Transfer::on_header));
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this));
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_PRIVATE, this));
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_buffer_));
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L));  // threads: no SIGALRM for DNS
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_TCP_KEEPALIVE, 1L));
  // No Accept-Encoding: LLM answers are small, and a compressor on the upstream side buffers
  // SSE and costs far more CPU than the bytes it saves (brotli was 35% of the proxy
  // benchmark's CPU when curl offered it).
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_ACCEPT_ENCODING, nullptr));
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::max<int64_t>(1, p.connect_timeout_ms))));
  // Backstop only: read() enforces the total deadline itself, with a clearer message.
  CURL_CHECK(curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(1, p.total_timeout_ms) + 1000)));
  started_ = last_byte_ = Clock::now();
  CURLM_CHECK(curl_multi_add_handle(pool_->multi, easy_));
  attached_ = true;
  return {};
}

Transfer::~Transfer() {
  if (!pool_) return;
  std::lock_guard lock(pool_->mutex);
  if (easy_) {
    // Removing an unfinished transfer makes curl close its connection: the upstream sees
    // the client leave and stops generating.
    if (attached_) curl_multi_remove_handle(pool_->multi, easy_);
    if (done_ && result_ == CURLE_OK && pool_->spare.size() < CurlPool::kMaxSpareHandles)
      pool_->spare.push_back(easy_);
    else
      curl_easy_cleanup(easy_);
  }
  curl_slist_free_all(header_list_);
}

size_t Transfer::on_body(char* data, size_t size, size_t n, void* self) {
  auto* t = static_cast<Transfer*>(self);
  const size_t bytes = size * n;
  t->got_bytes_ = true;
  t->last_byte_ = Clock::now();
  if (t->unread_.size() + bytes > t->params_.max_unread_bytes) {
    t->too_large_ = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->unread_.append(data, bytes);
  return bytes;
}

size_t Transfer::on_header(char* data, size_t size, size_t n, void* self) {
  auto* t = static_cast<Transfer*>(self);
  const size_t bytes = size * n;
  t->got_bytes_ = true;
  t->last_byte_ = Clock::now();
  std::string_view line(data, bytes);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    // A new response (after a 100 Continue or similar): forget the earlier one's headers.
    t->headers_.clear();
    size_t sp = line.find(' ');
    if (sp != std::string_view::npos) {
      long code = 0;
      for (size_t i = sp + 1; i < line.size() && std::isdigit(static_cast<unsigned char>(line[i])); ++i)
        code = code * 10 + (line[i] - '0');
      t->status_ = code;
    }
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    t->headers_[name] = std::string(value);
  }
  return bytes;
}

std::string Transfer::header(const std::string& lower_name) const {
  auto it = headers_.find(lower_name);
  return it == headers_.end() ? std::string() : it->second;
}

std::optional<Error> Transfer::check_deadlines(Clock::time_point now) const {
  using std::chrono::milliseconds;
  if (now - started_ >= milliseconds(params_.total_timeout_ms))
    return Error{ErrorKind::timeout, "upstream did not finish within " + std::to_string(params_.total_timeout_ms) + " ms", 0, {}, 0};
  if (!got_bytes_ && now - started_ >= milliseconds(params_.first_byte_timeout_ms))
    return Error{ErrorKind::timeout, "upstream sent no response within " + std::to_string(params_.first_byte_timeout_ms) + " ms", 0, {}, 0};
  if (got_bytes_ && now - last_byte_ >= milliseconds(params_.idle_timeout_ms))
    return Error{ErrorKind::timeout, "upstream went silent for " + std::to_string(params_.idle_timeout_ms) + " ms", 0, {}, 0};
  return std::nullopt;
}

// The time until the nearest of our own deadlines, so the poll wakes up for it.
static int millis_until(Clock::time_point now, Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
  return static_cast<int>(std::clamp<int64_t>(ms + 1, 0, 1000));
}

Result<void> Transfer::pump_once(int poll_ms) {
  int running = 0;
  CURLM_CHECK(curl_multi_perform(pool_->multi, &running));
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(pool_->multi, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    // The message may belong to another stream sharing this thread's pool.
    Transfer* owner = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&owner));
    if (owner) {
      owner->done_ = true;
      owner->result_ = msg->data.result;
    }
  }
  if (done_ || !unread_.empty() || poll_ms <= 0) return {};
  curl_waitfd wake{params_.wake_fd, CURL_WAIT_POLLIN, 0};
  const unsigned watched = watch_wake_fd_ ? 1 : 0;
  CURLM_CHECK(curl_multi_poll(pool_->multi, watched ? &wake : nullptr, watched, poll_ms, nullptr));
  wake_fd_readable_ = watched && (wake.revents & CURL_WAIT_POLLIN) != 0;
  return {};
}

Result<Transfer::Step> Transfer::read(std::string& out) {
  std::lock_guard lock(pool_->mutex);
  for (;;) {
    if (params_.keep_going && !params_.keep_going())
      return std::unexpected(Error{ErrorKind::cancelled, "the client went away", 0, {}, 0});
    // Readable but still there: bytes of a pipelined request, which would wake every poll.
    if (wake_fd_readable_) watch_wake_fd_ = wake_fd_readable_ = false;
    if (!unread_.empty()) {
      out.append(unread_);
      unread_.clear();
      return Step::data;
    }
    if (done_) {
      if (result_ != CURLE_OK) return std::unexpected(transport_error());
      long code = 0;
      if (curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code) status_ = code;
      return Step::done;
    }
    const auto now = Clock::now();
    if (auto timeout = check_deadlines(now)) return std::unexpected(*timeout);
    auto deadline = started_ + std::chrono::milliseconds(params_.total_timeout_ms);
    deadline = std::min(deadline, got_bytes_ ? last_byte_ + std::chrono::milliseconds(params_.idle_timeout_ms)
                                             : started_ + std::chrono::milliseconds(params_.first_byte_timeout_ms));
    // Ask keep_going even while the upstream is silent, so a client that left is noticed,
    // and the transfer cancelled, within 100 ms (issue 16): its FIN wakes the poll when the
    // client's socket is watched (then every 250 ms suffices for keep-alives), else every 50 ms.
    int poll_ms = millis_until(now, deadline);
    if (params_.keep_going) poll_ms = std::min(poll_ms, watch_wake_fd_ ? 250 : 50);
    if (auto ok = pump_once(poll_ms); !ok) return std::unexpected(ok.error());
  }
}

void Transfer::drain(std::chrono::milliseconds budget) {
  std::lock_guard lock(pool_->mutex);
  const auto until = Clock::now() + budget;
  watch_wake_fd_ = false;  // the answer is complete for the client: its socket is no concern
  while (!done_) {
    unread_.clear();
    const auto now = Clock::now();
    if (now >= until || check_deadlines(now)) return;
    if (!pump_once(millis_until(now, until))) return;
  }
  unread_.clear();
}

Error Transfer::transport_error() const {
  std::string detail = error_buffer_[0] ? error_buffer_ : curl_easy_strerror(result_);
  switch (result_) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      return Error{ErrorKind::upstream_unavailable, "cannot reach upstream: " + detail, 0, {}, 0};
    case CURLE_OPERATION_TIMEDOUT:
      return Error{ErrorKind::timeout, "upstream timed out: " + detail, 0, {}, 0};
    case CURLE_WRITE_ERROR:
      if (too_large_)
        return Error{ErrorKind::upstream_error,
                     "upstream response exceeds " + std::to_string(params_.max_unread_bytes) + " bytes", 0, {}, 0};
      break;
    default:
      break;
  }
  if (!got_bytes_)
    return Error{ErrorKind::upstream_unavailable, "upstream closed the connection without answering: " + detail, 0, {}, 0};
  return Error{ErrorKind::upstream_error, "connection to upstream lost mid-response: " + detail, 0, {}, 0};
}

}  // namespace switchyard::providers::http
