// What the engine benches share: the load average (the machine may be shared, so every run
// says how busy it was) and the bench model bench_engine writes.
#pragma once

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace bench {

inline const std::string kBenchModel = "/tmp/switchyard_bench_mixtral_q8_0.gguf";

inline void print_load_average(const char* when) {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) std::printf("load average at %s: %.2f %.2f %.2f\n", when, load[0], load[1], load[2]);
}

// False (and a message saying how to make it) when the file is not there.
inline bool bench_model_present(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) return true;
  std::fprintf(stderr, "bench: %s is missing: run bench_engine once (it writes the bench model)\n", path.c_str());
  return false;
}

}  // namespace bench
