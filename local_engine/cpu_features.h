// Runtime CPU feature detection, for kernel dispatch (one binary on any x86-64-v3 machine).
#pragma once

namespace switchyard::engine {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avx_vnni = false;
};

const CpuFeatures& cpu_features();  // detected once

}  // namespace switchyard::engine
