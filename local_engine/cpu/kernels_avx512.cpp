// AVX-512 (VL + VNNI) kernels: vpdpbusd for the 8-bit dots and larger register tiles
// (32 vector registers). Compiled with its own flags (kernels.cmake); used only when the
// CPU reports AVX-512 F/BW/VL/VNNI.
// GCC 12 reports its own _mm512_undefined_* placeholders (inserti64x4, cvtph_ps, ...) as
// uninitialized when they are inlined here; they are not.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <vector>

#include "local_engine/cpu/kernels.h"
#include "local_engine/cpu_features.h"

namespace switchyard::engine::cpu {

namespace avx512 {
#define SY_VNNI 1
#define SY_TILE_ROWS 4
#define SY_TILE_TOKENS 4
#include "local_engine/cpu/kernels_x86.inc"

// ---- Q8_0 x Q8_0 with 512-bit registers: two blocks per register -------------------------
// The activation bytes are offset to unsigned (x + 128, one xor per tile, shared by all rows)
// so vpdpbusd multiplies them with the signed weights directly; the offset is removed by
// starting each accumulation at -128 * sum(w) (one extra vpdpbusd per row, shared by all
// tokens). Integer block sums stay exact; only the float accumulation order differs from
// the reference.
static inline __m512i load2_q8(const BlockQ8_0* p) {  // qs of blocks p[0], p[1]
  return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p[0].qs))),
                            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p[1].qs)), 1);
}
static inline __m512 scale2(const BlockQ8_0* p) {  // [d0 x 8 | d1 x 8] as F32 x 16
  return _mm512_cvtph_ps(_mm256_set_m128i(_mm_set1_epi16(short(p[1].d)), _mm_set1_epi16(short(p[0].d))));
}

// One activation block pair made ready for the tile: x + 128 as bytes and [d0 x 8 | d1 x 8].
struct XPair {
  __m512i xu;
  __m512 xd;
};

// PRE: xp[t] holds token t's block pairs already prepared (many token tiles share them).
template <int RB, int TB, bool PRE = false>
static void q8_0_tile512(const WeightMatrix& w, int64_t r, const uint8_t* const* xs, float* y, int64_t y_stride, int64_t i0,
                         const XPair* const* xp = nullptr) {
  const int64_t nb = w.cols / 32, nb2 = nb & ~int64_t(1);
  __m512 acc[RB][TB];
  for (int a = 0; a < RB; ++a)
    for (int t = 0; t < TB; ++t) acc[a][t] = _mm512_setzero_ps();
  const BlockQ8_0* wr[RB];
  for (int a = 0; a < RB; ++a) wr[a] = reinterpret_cast<const BlockQ8_0*>(w.data + size_t(r + a) * w.row_bytes);
  const BlockQ8_0* xr[TB];
  for (int t = 0; t < TB; ++t) xr[t] = reinterpret_cast<const BlockQ8_0*>(xs[t]);
  const __m512i c128 = _mm512_set1_epi8(char(0x80));
  for (int64_t b = 0; b < nb2; b += 2) {
    __m512i xu[TB];
    __m512 xd[TB];
    for (int t = 0; t < TB; ++t) {
      if constexpr (PRE) {
        xu[t] = xp[t][b / 2].xu;
        xd[t] = xp[t][b / 2].xd;
      } else {
        xu[t] = _mm512_xor_si512(load2_q8(xr[t] + b), c128);
        xd[t] = scale2(xr[t] + b);
      }
    }
    for (int a = 0; a < RB; ++a) {
      // The tile reads RB consecutive rows as RB streams; fetch the next tile's rows (RB rows
      // ahead, several KB: far enough to cover DRAM latency) rather than a few blocks ahead.
      const char* pf = reinterpret_cast<const char*>(wr[a] + b) + size_t(RB) * w.row_bytes;
      _mm_prefetch(pf, _MM_HINT_T0);
      _mm_prefetch(pf + 64, _MM_HINT_T0);
      const __m512i wv = load2_q8(wr[a] + b);
      const __m512i neg = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), c128, wv));
      const __m512 wd = scale2(wr[a] + b);
      for (int t = 0; t < TB; ++t) {
        const __m512i p = _mm512_dpbusd_epi32(neg, xu[t], wv);
        acc[a][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p), _mm512_mul_ps(wd, xd[t]), acc[a][t]);
      }
    }
  }
  for (int a = 0; a < RB; ++a)
    for (int t = 0; t < TB; ++t) {
      float s = _mm512_reduce_add_ps(acc[a][t]);
      if (nb2 < nb) {  // odd block count: the last block with 256-bit registers
        const BlockQ8_0& wb = wr[a][nb2];
        const BlockQ8_0& xb = xr[t][nb2];
        const __m256i p = dot_i8_i8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb.qs)),
                                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.qs)));
        s += h2f(wb.d) * h2f(xb.d) * hsum(_mm256_cvtepi32_ps(p));
      }
      y[(i0 + t) * y_stride + r + a] = s;
    }
}

#ifndef SY_RB2
#define SY_RB2 8
#endif
template <int RB, int TB>
static void q8_0_rows512(const WeightMatrix& w, int64_t r0, int64_t r1, const uint8_t* act, size_t act_stride,
                         const int32_t* act_index, int64_t i0, int64_t n, float* y, int64_t y_stride) {
  auto xrow = [&](int64_t i) { return act + size_t(act_index ? act_index[i] : i) * act_stride; };
  int64_t i = i0;
  if constexpr (TB == 4) {
    // Several token tiles (prefill, busy experts): prepare every token's block pairs once per
    // call instead of once per (tile, row group).
    const int64_t n_full = (n - i0) / TB * TB, npairs = w.cols / 64;
    if (n_full >= 2 * TB && npairs > 0) {
      thread_local std::vector<XPair> prep;
      if (prep.size() < size_t(n_full * npairs)) prep.resize(size_t(n_full * npairs));
      const __m512i c128 = _mm512_set1_epi8(char(0x80));
      for (int64_t t = 0; t < n_full; ++t) {
        const BlockQ8_0* xb = reinterpret_cast<const BlockQ8_0*>(xrow(i0 + t));
        for (int64_t pi = 0; pi < npairs; ++pi)
          prep[size_t(t * npairs + pi)] = {_mm512_xor_si512(load2_q8(xb + 2 * pi), c128), scale2(xb + 2 * pi)};
      }
      for (; i + TB <= i0 + n_full; i += TB) {
        const uint8_t* xs[TB];
        const XPair* xp[TB];
        for (int t = 0; t < TB; ++t) {
          xs[t] = xrow(i + t);
          xp[t] = &prep[size_t((i - i0 + t) * npairs)];
        }
        int64_t r = r0;
        for (; r + RB <= r1; r += RB) q8_0_tile512<RB, TB, true>(w, r, xs, y, y_stride, i, xp);
        for (; r < r1; ++r) q8_0_tile512<1, TB, true>(w, r, xs, y, y_stride, i, xp);
      }
    }
  }
  for (; i + TB <= n; i += TB) {
    const uint8_t* xs[TB];
    for (int t = 0; t < TB; ++t) xs[t] = xrow(i + t);
    int64_t r = r0;
    for (; r + RB <= r1; r += RB) q8_0_tile512<RB, TB>(w, r, xs, y, y_stride, i);
    for (; r < r1; ++r) q8_0_tile512<1, TB>(w, r, xs, y, y_stride, i);
  }
  // Leftover tokens (1..TB-1) in one tile of exactly that many, so each weight row block is
  // streamed once more at most (an expert with 3 tokens: one 3-token pass, not 2 + 1).
  if constexpr (TB > 1) {
    const int64_t rem = n - i;
    // Fewer tokens, more rows per tile: more weight streams in flight, the same accumulators.
    if (rem == 3 && TB > 3) q8_0_rows512<4, 3>(w, r0, r1, act, act_stride, act_index, i, n, y, y_stride);
    else if (rem >= 2) q8_0_rows512<SY_RB2, 2>(w, r0, r1, act, act_stride, act_index, i, n, y, y_stride);
    else if (rem == 1) q8_0_rows512<8, 1>(w, r0, r1, act, act_stride, act_index, i, n, y, y_stride);
  }
}

static void gemm_q8_0_512(const WeightMatrix& w, int64_t r0, int64_t r1, const uint8_t* act, size_t act_stride,
                          const int32_t* act_index, int64_t n, float* y, int64_t y_stride) {
  q8_0_rows512<4, 4>(w, r0, r1, act, act_stride, act_index, 0, n, y, y_stride);
}
}  // namespace avx512

const KernelSet* kernels_avx512() {
  const CpuFeatures& f = cpu_features();
  if (!(f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni && f.avx2 && f.fma && f.f16c)) return nullptr;
  static const KernelSet k = {
      "avx512",
      {avx512::gemm_float<0>, avx512::gemm_float<1>, avx512::gemm_float<2>, avx512::gemm_q8_0_512, avx512::gemm_q4_0,
       avx512::gemm_q4_k, avx512::gemm_q6_k},
      avx512::quantize_q8_0,
      kernels_scalar().quantize_q8_k,
  };
  return &k;
}

}  // namespace switchyard::engine::cpu
