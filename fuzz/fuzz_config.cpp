// config.yaml on arbitrary text: a clear error naming the file and key, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "proxy/config/config.h"

namespace {
std::string no_env(const std::string&) { return "fuzz-secret"; }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace switchyard::proxy;
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  (void)parse_config(yaml, "fuzz.yaml", LoadConfigOptions{no_env});
  return 0;
}
