#include "local_engine/stop_strings.h"

#include <algorithm>

namespace switchyard::engine {

StopMatcher::StopMatcher(std::vector<std::string> stops) {
  for (auto& s : stops)
    if (!s.empty()) stops_.push_back(std::move(s));
}

StopMatcher::Output StopMatcher::push(std::string_view text) {
  Output out;
  if (stopped_) return out;
  buffer_.append(text);
  // The earliest stop string wins; among those at the same place, the longest.
  size_t best = std::string::npos;
  const std::string* which = nullptr;
  for (const auto& s : stops_) {
    const size_t at = buffer_.find(s);
    if (at == std::string::npos) continue;
    if (at < best || (at == best && s.size() > which->size())) {
      best = at;
      which = &s;
    }
  }
  if (which) {
    out.text = buffer_.substr(0, best);
    out.stopped = true;
    out.matched = *which;
    out.rest = buffer_.substr(best + which->size());
    buffer_.clear();
    stopped_ = true;
    return out;
  }
  // Hold back the longest suffix that is a proper prefix of some stop string.
  size_t hold = 0;
  for (const auto& s : stops_) {
    const size_t max_len = std::min(s.size() - 1, buffer_.size());
    for (size_t len = max_len; len > hold; --len) {
      if (std::string_view(buffer_).substr(buffer_.size() - len) == std::string_view(s).substr(0, len)) {
        hold = len;
        break;
      }
    }
  }
  out.text = buffer_.substr(0, buffer_.size() - hold);
  buffer_.erase(0, buffer_.size() - hold);
  return out;
}

std::string StopMatcher::flush() {
  std::string out = std::move(buffer_);
  buffer_.clear();
  return out;
}

}  // namespace switchyard::engine
