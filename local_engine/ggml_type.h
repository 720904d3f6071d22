// ggml tensor type ids (the subset the engine reads). Its own header so that CUDA sources,
// which nvcc compiles as C++20, can use it without the engine's C++23 headers.
#pragma once

#include <cstdint>

namespace switchyard::engine {

enum class GgmlType : uint32_t {
  f32 = 0,
  f16 = 1,
  q4_0 = 2,
  q8_0 = 8,
  q4_k = 12,
  q6_k = 14,
  bf16 = 30,
};

}  // namespace switchyard::engine
