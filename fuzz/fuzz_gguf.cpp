// The GGUF reader on arbitrary bytes: a clear error or a file, never a crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "local_engine/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)switchyard::engine::GgufFile::parse(std::span<const uint8_t>(data, size));
  return 0;
}
