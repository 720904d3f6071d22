// Stop strings matched on the decoded text, across token boundaries. Text that could
// still turn out to be the start of a stop string is held back until resolved, so a
// stop string (and anything after it) is never emitted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace switchyard::engine {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);  // empty strings are ignored

  struct Output {
    std::string text;     // safe to emit now
    bool stopped = false; // a stop string matched; text ends right before it
    std::string matched;  // which one
    std::string rest;     // what followed it in the text pushed so far
  };
  Output push(std::string_view text);
  // End of generation for another reason: release what was held back.
  std::string flush();
  size_t held_bytes() const { return buffer_.size(); }

 private:
  std::vector<std::string> stops_;
  std::string buffer_;  // not yet emitted
  bool stopped_ = false;
};

}  // namespace switchyard::engine
