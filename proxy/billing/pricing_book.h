// The pricing book (operator API): every endpoint's price history, in memory, from the
// store's `prices` rows. The price in force for an endpoint at time t is the row with the
// latest effective_from <= t (the newest row among equals). A request is billed at the price
// in force when it started, and its usage row names that row. An endpoint with no row in
// force has no price: it is not routed (nothing is ever silently billed $0).
// Thread-safe: reads share a lock; rows are only ever added.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <shared_mutex>
#include <vector>

#include "db/records.h"
#include "proxy/billing/pricing.h"

namespace switchyard::billing {

struct PriceInForce {
  int64_t id = 0;  // the prices row
  Pricing pricing;
  int64_t effective_from = 0;
};

Pricing pricing_of(const db::PriceRow& row);
// The row for `pricing` (ids and times left to the caller).
db::PriceRow price_row(const db::EndpointKey& endpoint, const Pricing& pricing);

class PricingBook {
 public:
  // Rows in any order; a row already present (same id) is ignored.
  void add(const db::PriceRow& row);
  std::optional<PriceInForce> at(const db::EndpointKey& endpoint, int64_t t_ms) const;
  // The endpoint's rows, oldest effective_from first.
  std::vector<db::PriceRow> history(const db::EndpointKey& endpoint) const;
  // The newest row from `source` ("config" or "api"), whatever its effective time.
  std::optional<db::PriceRow> latest_from(const db::EndpointKey& endpoint, const std::string& source) const;
  int64_t last_id() const;  // the highest id added (0: none)

 private:
  mutable std::shared_mutex mu_;
  std::map<db::EndpointKey, std::vector<db::PriceRow>> rows_;  // sorted by (effective_from, id)
  int64_t last_id_ = 0;
};

}  // namespace switchyard::billing
