// Incremental Server-Sent Events parser (WHATWG HTML §9.2 "event stream interpretation").
// Upstreams deliver SSE in arbitrary TCP-sized pieces, so feed() accepts any split, even
// one between the CR and LF of a CRLF. Shared by every provider that reads SSE
// (OpenAI-compatible `data:` only, Anthropic with `event:` names).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::providers::http {

struct SseEvent {
  std::string event;  // `event:` name; empty means the default type ("message")
  std::string data;   // `data:` lines joined with '\n' (no trailing '\n')
  std::string id;     // last event id seen so far (`id:`), per the spec it persists
};

class SseParser {
 public:
  static constexpr size_t kDefaultMaxBufferedBytes = size_t{8} << 20;  // 8 MiB

  explicit SseParser(size_t max_buffered_bytes = kDefaultMaxBufferedBytes)
      : max_buffered_bytes_(max_buffered_bytes) {}

  // Parses `bytes` and appends every event completed by them to `out`. Returns false once
  // the stream is unusable (one line or one event's data grew past the cap); the parser
  // then stays failed and error() says why. Events completed before the failure are kept.
  bool feed(std::string_view bytes, std::vector<SseEvent>& out);

  // At end of input: true when bytes of an undispatched event are still held (a partial
  // line, or fields not yet closed by a blank line), i.e. the stream was truncated.
  bool has_pending() const;

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  uint64_t comment_count() const { return comment_count_; }  // ':' lines (keep-alives)
  int64_t retry_ms() const { return retry_ms_; }               // last `retry:`, -1 if none

 private:
  void process_line(std::string_view line, std::vector<SseEvent>& out);
  bool over_cap(size_t extra) const;

  size_t max_buffered_bytes_;
  std::string line_;             // a line split across feed() calls
  std::string data_;             // data buffer of the event being built
  std::string event_;            // event type buffer
  std::string last_id_;
  bool has_fields_ = false;      // a field line arrived since the last dispatch
  bool skip_lf_ = false;         // the previous chunk ended in CR: a leading LF is its pair
  bool at_stream_start_ = true;  // a leading UTF-8 BOM is dropped
  size_t bom_matched_ = 0;       // BOM bytes seen so far at the start
  uint64_t comment_count_ = 0;
  int64_t retry_ms_ = -1;
  std::string error_;
};

}  // namespace switchyard::providers::http
