#include "proxy/routing/price_seeding.h"

namespace switchyard::proxy {

namespace {

bool same_price(const db::PriceRow& a, const db::PriceRow& b) {
  return a.prompt_pico == b.prompt_pico && a.completion_pico == b.completion_pico && a.request_pico == b.request_pico &&
         a.cache_read_pico == b.cache_read_pico && a.cache_write_pico == b.cache_write_pico;
}

Result<void> add(db::PricingStore* store, billing::PricingBook& book, db::PriceRow row, int64_t now_ms) {
  static int64_t memory_ids = 0;  // rows without a store still need distinct ids
  if (!store) {
    row.id = --memory_ids;
    row.created = now_ms;
    book.add(row);
    return {};
  }
  auto stored = store->add_price(row);
  if (!stored) return fail(ErrorKind::internal, "cannot store a config price: " + stored.error().message);
  book.add(*stored);
  return {};
}

}  // namespace

Result<void> load_and_seed_prices(const Config& config, db::PricingStore* store, billing::PricingBook& book,
                                  int64_t now_ms) {
  if (store) {
    auto rows = store->prices_after(book.last_id());
    if (!rows) return fail(ErrorKind::internal, "cannot load prices: " + rows.error().message);
    for (const auto& r : *rows) book.add(r);
  }
  for (const auto& m : config.models)
    for (const auto& e : m.endpoints) {
      if (!e.pricing) continue;
      db::EndpointKey key{m.id, e.provider, e.upstream_model};
      db::PriceRow row = billing::price_row(key, *e.pricing);
      auto last = book.latest_from(key, "config");
      if (last && same_price(*last, row)) continue;
      row.source = "config";
      row.effective_from = book.history(key).empty() ? 0 : now_ms;
      if (auto ok = add(store, book, std::move(row), now_ms); !ok) return ok;
    }
  return {};
}

}  // namespace switchyard::proxy
