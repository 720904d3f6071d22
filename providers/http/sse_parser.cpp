#include "providers/http/sse_parser.h"

#include <cstring>

namespace switchyard::providers::http {

bool SseParser::over_cap(size_t extra) const {
  return line_.size() + data_.size() + event_.size() + extra > max_buffered_bytes_;
}

bool SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  if (failed()) return false;
  // A leading UTF-8 BOM is dropped; it may itself arrive split across chunks.
  static constexpr std::string_view kBom = "\xEF\xBB\xBF";
  while (at_stream_start_ && !bytes.empty()) {
    if (bytes[0] == kBom[bom_matched_]) {
      bytes.remove_prefix(1);
      if (++bom_matched_ == kBom.size()) at_stream_start_ = false;
    } else {
      at_stream_start_ = false;  // not a BOM after all: replay what was held back
      if (bom_matched_ > 0 && !feed(kBom.substr(0, bom_matched_), out)) return false;
    }
  }
  size_t pos = 0;
  if (skip_lf_ && !bytes.empty()) {
    if (bytes[0] == '\n') pos = 1;
    skip_lf_ = false;
  }
  while (pos < bytes.size()) {
    // Find the next CR or LF; everything before it belongs to the current line.
    size_t end = pos;
    while (end < bytes.size() && bytes[end] != '\n' && bytes[end] != '\r') ++end;
    if (end == bytes.size()) {
      if (over_cap(end - pos)) {
        error_ = "SSE line or event exceeds " + std::to_string(max_buffered_bytes_) + " bytes";
        return false;
      }
      line_.append(bytes.substr(pos));
      break;
    }
    if (line_.empty()) {
      process_line(bytes.substr(pos, end - pos), out);  // common case: no copy
    } else {
      if (over_cap(end - pos)) {
        error_ = "SSE line or event exceeds " + std::to_string(max_buffered_bytes_) + " bytes";
        return false;
      }
      line_.append(bytes.substr(pos, end - pos));
      std::string line = std::move(line_);
      line_.clear();
      process_line(line, out);
    }
    if (failed()) return false;
    pos = end + 1;
    if (bytes[end] == '\r') {
      if (pos < bytes.size()) {
        if (bytes[pos] == '\n') ++pos;
      } else {
        skip_lf_ = true;  // CRLF split across chunks
      }
    }
  }
  return true;
}

void SseParser::process_line(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    // Dispatch. Per spec an event with an empty data buffer is dropped (type reset).
    if (!data_.empty()) {
      data_.pop_back();  // the trailing '\n' added after every data line
      out.push_back(SseEvent{std::move(event_), std::move(data_), last_id_});
    }
    data_.clear();
    event_.clear();
    has_fields_ = false;
    return;
  }
  if (line[0] == ':') {
    ++comment_count_;
    return;
  }
  std::string_view field = line, value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  has_fields_ = true;
  if (field == "data") {
    if (over_cap(value.size() + 1)) {
      error_ = "SSE event data exceeds " + std::to_string(max_buffered_bytes_) + " bytes";
      return;
    }
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "event") {
    event_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
  } else if (field == "retry") {
    if (!value.empty() && value.size() < 18 &&
        value.find_first_not_of("0123456789") == std::string_view::npos)
      retry_ms_ = std::stoll(std::string(value));
  }
  // Any other field name is ignored, as the spec says.
}

bool SseParser::has_pending() const { return !line_.empty() || has_fields_ || (at_stream_start_ && bom_matched_ > 0); }

}  // namespace switchyard::providers::http
