// The load progress bar on stderr ("loading weights [====    ] 42% 1234/2900 MB 3.1s"),
// shared by the CPU prefault and the GPU upload. Redraws only when the percentage moves.
#pragma once

#include <chrono>
#include <cstddef>

namespace switchyard::engine {

// -1: show when stdout and stderr are terminals; 0: never; 1: always.
bool progress_wanted(int progress);

class ProgressBar {
 public:
  ProgressBar(const char* label, size_t total, bool show);
  ~ProgressBar();  // ends the line
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  void set(size_t done);
  void add(size_t bytes) { set(done_ + bytes); }

 private:
  const char* label_;
  size_t total_, done_ = 0;
  bool show_;
  int last_pct_ = -1;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace switchyard::engine
