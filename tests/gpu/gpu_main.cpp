// Main of the [gpu] tests: without a usable CUDA device the run exits 77, which ctest
// reports as "Skipped" (SKIP_RETURN_CODE), never as passed. Listing (test discovery at
// build time) always works.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <string_view>

#include "local_engine/cuda/cuda_engine.h"

int main(int argc, char** argv) {
  bool listing = false;
  for (int i = 1; i < argc; ++i) listing = listing || std::string_view(argv[i]).rfind("--list", 0) == 0;
  if (!listing) {
    const auto probe = switchyard::engine::cuda::probe();
    if (probe.devices.empty()) {
      std::fprintf(stderr, "skipped: no CUDA device (%s)\n", probe.why_none.c_str());
      return 77;
    }
  }
  return Catch::Session().run(argc, argv);
}
