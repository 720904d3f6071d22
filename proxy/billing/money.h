// Money (DESIGN.md §5): integer picodollars (1e-12 USD) everywhere it is stored, summed or
// compared. This header is the one money type and holds the only USD <-> pico conversions;
// nothing compares money as a float. A price of $X per million tokens is X micro-dollars per
// token == X * 1e6 picodollars per token, so any price given to the micro-dollar per
// million is exact.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "providers/error.h"

namespace switchyard::billing {

class Picodollars {
 public:
  constexpr Picodollars() = default;
  constexpr explicit Picodollars(int64_t pico) : pico_(pico) {}
  constexpr int64_t pico() const { return pico_; }

  friend constexpr auto operator<=>(Picodollars, Picodollars) = default;
  friend constexpr Picodollars operator+(Picodollars a, Picodollars b) { return Picodollars(a.pico_ + b.pico_); }
  friend constexpr Picodollars operator-(Picodollars a, Picodollars b) { return Picodollars(a.pico_ - b.pico_); }
  // A per-token price times a token count.
  friend constexpr Picodollars operator*(Picodollars price, int64_t count) { return Picodollars(price.pico_ * count); }
  constexpr Picodollars& operator+=(Picodollars o) { pico_ += o.pico_; return *this; }
  constexpr Picodollars& operator-=(Picodollars o) { pico_ -= o.pico_; return *this; }

 private:
  int64_t pico_ = 0;
};

inline constexpr Picodollars kZeroCost{0};
inline constexpr int64_t kPicoPerUsd = 1'000'000'000'000;

// Dollars as a JSON number text with up to 12 decimals and no exponent: 650000 -> "0.00000065".
std::string usd_string(Picodollars amount);

// "0.65" (a USD amount as decimal text: config, admin API, CLI) -> exact picodollars. At
// most 12 decimals, no exponent, optional leading '-' only when allow_negative.
Result<Picodollars> parse_usd(std::string_view text, bool allow_negative = false);
// A USD amount that arrived as a JSON or YAML number (already a double): rounded to the
// nearest picodollar; an error for NaN, infinities, negatives and more than 1e9 USD.
Result<Picodollars> usd_to_pico(double usd);
// USD per million tokens -> picodollars per token, exact for up to 6 decimals (finer is an
// error: it would not be a whole number of picodollars per token).
Result<Picodollars> usd_per_million_to_pico_per_token(double usd_per_million);
// A client's price ceiling (provider.max_price, USD per million tokens) as picodollars
// per token, rounded down: comparisons against it are then integer compares.
Picodollars max_price_per_token(double usd_per_million);
// A client's per-request ceiling in USD, rounded down to the picodollar.
Picodollars max_price_per_request(double usd);

}  // namespace switchyard::billing
