// AVX2 + FMA + F16C kernels (the x86-64-v3 baseline).
#include <immintrin.h>

#include "local_engine/cpu/kernels.h"
#include "local_engine/cpu_features.h"

namespace switchyard::engine::cpu {

namespace avx2 {
#define SY_VNNI 0
#define SY_TILE_ROWS 4
#define SY_TILE_TOKENS 2
#include "local_engine/cpu/kernels_x86.inc"
}  // namespace avx2

const KernelSet* kernels_avx2() {
  static const KernelSet k = {
      "avx2",
      {avx2::gemm_float<0>, avx2::gemm_float<1>, avx2::gemm_float<2>, avx2::gemm_q8_0, avx2::gemm_q4_0, avx2::gemm_q4_k,
       avx2::gemm_q6_k},
      avx2::quantize_q8_0,
      kernels_scalar().quantize_q8_k,
  };
  const CpuFeatures& f = cpu_features();
  return f.avx2 && f.fma && f.f16c ? &k : nullptr;
}

}  // namespace switchyard::engine::cpu
