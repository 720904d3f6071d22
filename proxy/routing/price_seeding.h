// config.yaml seeds the pricing book: an endpoint whose config price differs from the last
// price config.yaml gave it (or that config never priced) gets a new history row, in force
// from now (from the beginning for an endpoint that has no row yet). Prices set through the
// admin API are rows like any other; whichever row is newest in force wins.
#pragma once

#include <cstdint>

#include "db/store.h"
#include "proxy/billing/pricing_book.h"
#include "proxy/config/config.h"

namespace switchyard::proxy {

// Loads every stored row into `book`, then seeds. `store` may be null (memory only).
Result<void> load_and_seed_prices(const Config& config, db::PricingStore* store, billing::PricingBook& book,
                                  int64_t now_ms);

}  // namespace switchyard::proxy
