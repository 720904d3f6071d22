// One HTTP POST driven by libcurl's multi interface, pulled by its reader: read() runs
// curl_multi_perform/curl_multi_poll on the caller's thread until body bytes arrive, so
// nothing runs in the background and destroying a Transfer cancels it. The CURLM handle
// (which owns the connection cache) lives in a thread_local pool, so a long-lived server
// worker thread reuses keep-alive connections across requests.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "providers/error.h"

namespace switchyard::providers::http {

// An Error for a failed libcurl call, naming the statement, file and line (DESIGN.md §3).
Error curl_call_error(const char* what, const char* statement, const char* file, int line);

// For functions returning Result<...>: a failed curl_easy_* / curl_multi_* call returns
// an internal Error.
#define CURL_CHECK(stmt)                                                                          \
  do {                                                                                            \
    if (CURLcode curl_check_rc_ = (stmt); curl_check_rc_ != CURLE_OK)                             \
      return std::unexpected(::switchyard::providers::http::curl_call_error(             \
          curl_easy_strerror(curl_check_rc_), #stmt, __FILE__, __LINE__));                        \
  } while (0)
#define CURLM_CHECK(stmt)                                                                         \
  do {                                                                                            \
    if (CURLMcode curlm_check_rc_ = (stmt); curlm_check_rc_ != CURLM_OK)                          \
      return std::unexpected(::switchyard::providers::http::curl_call_error(             \
          curl_multi_strerror(curlm_check_rc_), #stmt, __FILE__, __LINE__));                       \
  } while (0)

struct TransferParams {
  std::string url;
  std::vector<std::string> headers;  // "Name: value" lines
  std::string body;                  // POSTed as is
  int64_t connect_timeout_ms = 5000;
  int64_t first_byte_timeout_ms = 60000;  // from start until the first response byte
  int64_t idle_timeout_ms = 30000;        // silence between bytes once the answer started
  int64_t total_timeout_ms = 600000;
  size_t max_unread_bytes = size_t{64} << 20;  // bytes received but not yet read()
  std::function<bool()> keep_going;  // OpenParams::keep_going: false cancels read()
  // OpenParams::client_fd: read() also wakes when it turns readable and then asks
  // keep_going; while it is watched keep_going is asked every 250 ms, else every 50 ms.
  int wake_fd = -1;
};

struct CurlPool;

class Transfer {
 public:
  enum class Step { data, done };

  // Adds the request to this thread's multi handle; nothing is sent until read().
  static Result<std::unique_ptr<Transfer>> start(TransferParams params);
  ~Transfer();  // cancels an unfinished transfer (its connection is then closed)
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  // Blocks until new body bytes arrive (appended to `out`, Step::data) or the response is
  // complete (Step::done). Errors: timeout (kind timeout), unreachable upstream
  // (upstream_unavailable), broken connection or oversize body (upstream_error).
  Result<Step> read(std::string& out);

  // After the caller has what it needs: let a nearly finished response complete (so its
  // connection can be reused) for at most `budget`, discarding the bytes.
  void drain(std::chrono::milliseconds budget);

  long status() const { return status_; }             // 0 until the status line arrived
  bool response_started() const { return got_bytes_; }
  // A header of the final response; `lower_name` in lower case. "" when absent.
  std::string header(const std::string& lower_name) const;

 private:
  Transfer() = default;
  Result<void> setup();
  Result<void> pump_once(int poll_ms);
  std::optional<Error> check_deadlines(std::chrono::steady_clock::time_point now) const;
  Error transport_error() const;
  static size_t on_body(char* data, size_t size, size_t n, void* self);
  static size_t on_header(char* data, size_t size, size_t n, void* self);

  TransferParams params_;
  std::shared_ptr<CurlPool> pool_;
  CURL* easy_ = nullptr;
  curl_slist* header_list_ = nullptr;
  bool attached_ = false;  // in the multi handle
  bool done_ = false;
  CURLcode result_ = CURLE_OK;
  std::string unread_;
  bool too_large_ = false;
  bool watch_wake_fd_ = false;     // params_.wake_fd is given and not readable with data
  bool wake_fd_readable_ = false;  // the last poll saw it readable
  bool got_bytes_ = false;
  long status_ = 0;
  std::map<std::string, std::string> headers_;
  std::chrono::steady_clock::time_point started_, last_byte_;
  char error_buffer_[CURL_ERROR_SIZE] = {};
};

}  // namespace switchyard::providers::http
