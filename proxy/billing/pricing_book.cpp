#include "proxy/billing/pricing_book.h"

#include <algorithm>
#include <mutex>

namespace switchyard::billing {

namespace {
std::optional<Picodollars> opt_pico(const std::optional<int64_t>& v) {
  if (!v) return std::nullopt;
  return Picodollars(*v);
}
std::optional<int64_t> opt_int(const std::optional<Picodollars>& v) {
  if (!v) return std::nullopt;
  return v->pico();
}
bool earlier(const db::PriceRow& a, const db::PriceRow& b) {
  return a.effective_from != b.effective_from ? a.effective_from < b.effective_from : a.id < b.id;
}
}  // namespace

Pricing pricing_of(const db::PriceRow& r) {
  return Pricing{Picodollars(r.prompt_pico), Picodollars(r.completion_pico), Picodollars(r.request_pico),
                 opt_pico(r.cache_read_pico), opt_pico(r.cache_write_pico)};
}

db::PriceRow price_row(const db::EndpointKey& e, const Pricing& p) {
  db::PriceRow r;
  r.model = e.model;
  r.provider = e.provider;
  r.upstream_model = e.upstream_model;
  r.prompt_pico = p.prompt.pico();
  r.completion_pico = p.completion.pico();
  r.request_pico = p.request.pico();
  r.cache_read_pico = opt_int(p.cache_read);
  r.cache_write_pico = opt_int(p.cache_write);
  return r;
}

void PricingBook::add(const db::PriceRow& row) {
  std::unique_lock lock(mu_);
  auto& rows = rows_[db::EndpointKey{row.model, row.provider, row.upstream_model}];
  if (std::any_of(rows.begin(), rows.end(), [&](const db::PriceRow& r) { return r.id == row.id; })) return;
  rows.insert(std::upper_bound(rows.begin(), rows.end(), row, earlier), row);
  last_id_ = std::max(last_id_, row.id);
}

std::optional<PriceInForce> PricingBook::at(const db::EndpointKey& endpoint, int64_t t_ms) const {
  std::shared_lock lock(mu_);
  auto it = rows_.find(endpoint);
  if (it == rows_.end()) return std::nullopt;
  const auto& rows = it->second;
  // The last row whose effective_from <= t.
  auto after = std::upper_bound(rows.begin(), rows.end(), t_ms,
                                [](int64_t t, const db::PriceRow& r) { return t < r.effective_from; });
  if (after == rows.begin()) return std::nullopt;
  const db::PriceRow& r = *std::prev(after);
  return PriceInForce{r.id, pricing_of(r), r.effective_from};
}

std::vector<db::PriceRow> PricingBook::history(const db::EndpointKey& endpoint) const {
  std::shared_lock lock(mu_);
  auto it = rows_.find(endpoint);
  return it == rows_.end() ? std::vector<db::PriceRow>{} : it->second;
}

std::optional<db::PriceRow> PricingBook::latest_from(const db::EndpointKey& endpoint, const std::string& source) const {
  std::shared_lock lock(mu_);
  auto it = rows_.find(endpoint);
  if (it == rows_.end()) return std::nullopt;
  std::optional<db::PriceRow> best;
  for (const auto& r : it->second)
    if (r.source == source && (!best || r.id > best->id)) best = r;
  return best;
}

int64_t PricingBook::last_id() const {
  std::shared_lock lock(mu_);
  return last_id_;
}

}  // namespace switchyard::billing
