#include "proxy/billing/money.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace switchyard::billing {

std::string usd_string(Picodollars amount) {
  int64_t pico = amount.pico();
  bool neg = pico < 0;
  uint64_t p = neg ? static_cast<uint64_t>(-(pico + 1)) + 1 : static_cast<uint64_t>(pico);
  uint64_t whole = p / static_cast<uint64_t>(kPicoPerUsd);
  uint64_t frac = p % static_cast<uint64_t>(kPicoPerUsd);
  std::string s = neg ? "-" : "";
  s += std::to_string(whole);
  if (frac) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%012llu", static_cast<unsigned long long>(frac));
    std::string f(buf);
    while (!f.empty() && f.back() == '0') f.pop_back();
    s += '.';
    s += f;
  }
  return s;
}

Result<Picodollars> parse_usd(std::string_view text, bool allow_negative) {
  auto bad = [&] {
    return fail(ErrorKind::invalid_argument,
                "'" + std::string(text.substr(0, 40)) + "' is not a USD amount (digits with at most 12 decimals)");
  };
  std::string_view t = text;
  bool neg = false;
  if (!t.empty() && t.front() == '-') {
    if (!allow_negative) return bad();
    neg = true;
    t.remove_prefix(1);
  }
  size_t dot = t.find('.');
  std::string_view whole = t.substr(0, dot), frac = dot == std::string_view::npos ? "" : t.substr(dot + 1);
  if (whole.empty() || frac.size() > 12 || (dot != std::string_view::npos && frac.empty()) || whole.size() > 9)
    return bad();
  int64_t pico = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return bad();
    pico = pico * 10 + (c - '0');
  }
  pico *= kPicoPerUsd;
  int64_t scale = kPicoPerUsd / 10;
  for (char c : frac) {
    if (c < '0' || c > '9') return bad();
    pico += (c - '0') * scale;
    scale /= 10;
  }
  return Picodollars(neg ? -pico : pico);
}

Result<Picodollars> usd_to_pico(double usd) {
  if (!std::isfinite(usd) || usd < 0 || usd > 1e9)
    return fail(ErrorKind::invalid_argument, "a USD amount must be a number in [0, 1000000000]");
  return Picodollars(std::llround(usd * static_cast<double>(kPicoPerUsd)));
}

Result<Picodollars> usd_per_million_to_pico_per_token(double usd_per_million) {
  // picodollars per token == micro-dollars per million tokens.
  double micro = usd_per_million * 1e6;
  double rounded = std::round(micro);
  if (!std::isfinite(micro) || micro < 0 || micro > 1e15 || std::fabs(micro - rounded) > 1e-6 * std::max(1.0, micro))
    return fail(ErrorKind::invalid_argument, "price must be a non-negative USD amount with at most 6 decimals");
  return Picodollars(static_cast<int64_t>(rounded));
}

namespace {
Picodollars floor_pico(double pico) {
  if (!(pico >= 0)) return Picodollars(0);
  if (pico >= 9e18) return Picodollars(std::numeric_limits<int64_t>::max());
  // A hair of tolerance so that 0.65 (0.6499999...) per million still means 650000.
  return Picodollars(static_cast<int64_t>(std::floor(pico + 1e-6)));
}
}  // namespace

Picodollars max_price_per_token(double usd_per_million) { return floor_pico(usd_per_million * 1e6); }
Picodollars max_price_per_request(double usd) { return floor_pico(usd * static_cast<double>(kPicoPerUsd)); }

}  // namespace switchyard::billing
