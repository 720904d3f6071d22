// AVX-512 (VL + VNNI) kernels: vpdpbusd for the 8-bit dots and larger register tiles
// (32 vector registers). Compiled with its own flags (kernels.cmake); used only when the
// CPU reports AVX-512 F/BW/VL/VNNI.
#include <immintrin.h>

#include "local_engine/cpu/kernels.h"
#include "local_engine/cpu_features.h"

namespace switchyard::engine::cpu {

namespace avx512 {
#define SY_VNNI 1
#define SY_TILE_ROWS 4
#define SY_TILE_TOKENS 4
#include "local_engine/cpu/kernels_x86.inc"
}  // namespace avx512

const KernelSet* kernels_avx512() {
  const CpuFeatures& f = cpu_features();
  if (!(f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni && f.avx2 && f.fma && f.f16c)) return nullptr;
  static const KernelSet k = {
      "avx512",
      {avx512::gemm_float<0>, avx512::gemm_float<1>, avx512::gemm_float<2>, avx512::gemm_q8_0, avx512::gemm_q4_0,
       avx512::gemm_q4_k, avx512::gemm_q6_k},
      kernels_scalar().quantize_q8_0,
      kernels_scalar().quantize_q8_k,
  };
  return &k;
}

}  // namespace switchyard::engine::cpu
