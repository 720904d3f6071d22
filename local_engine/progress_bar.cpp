#include "local_engine/progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace switchyard::engine {

bool progress_wanted(int progress) {
  return progress > 0 || (progress < 0 && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO));
}

ProgressBar::ProgressBar(const char* label, size_t total, bool show)
    : label_(label), total_(total), show_(show && total > 0), t0_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  if (show_) std::fprintf(stderr, "\n");
}

void ProgressBar::set(size_t done) {
  done_ = done;
  if (!show_) return;
  const int pct = int(100.0 * double(done_) / double(total_));
  if (pct == last_pct_) return;
  last_pct_ = pct;
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  const int width = 40, filled = pct * width / 100;
  std::fprintf(stderr, "\r%s [%.*s%*s] %3d%% %6.0f/%.0f MB %.1fs", label_, filled, "========================================",
               width - filled, "", pct, double(done_) / 1e6, double(total_) / 1e6, s);
  std::fflush(stderr);
}

}  // namespace switchyard::engine
