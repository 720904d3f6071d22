#include <catch2/catch.hpp>

#include "proxy/billing/pricing_book.h"

using namespace switchyard;
using namespace switchyard::billing;

namespace {
const db::EndpointKey kEp{"m/x", "prov", "up"};

db::PriceRow row(int64_t id, int64_t prompt, int64_t effective_from, const std::string& source = "api") {
  db::PriceRow r = price_row(kEp, Pricing{Picodollars(prompt), Picodollars(0), Picodollars(0), {}, {}});
  r.id = id;
  r.effective_from = effective_from;
  r.source = source;
  return r;
}
}  // namespace

TEST_CASE("the price in force is the latest effective row at that time", "[billing][pricing]") {
  PricingBook book;
  CHECK_FALSE(book.at(kEp, 1000));  // never priced: no price, not $0
  book.add(row(2, 200, 5000));
  book.add(row(1, 100, 0, "config"));
  book.add(row(3, 300, 5000));  // same effective time: the newer row wins
  book.add(row(4, 400, 9000));  // scheduled
  book.add(row(3, 999, 0));     // an id already known is ignored
  CHECK(book.at(kEp, 4999)->id == 1);
  CHECK(book.at(kEp, 5000)->id == 3);
  CHECK(book.at(kEp, 5000)->pricing.prompt == Picodollars(300));
  CHECK(book.at(kEp, 8999)->id == 3);
  CHECK(book.at(kEp, 9000)->id == 4);
  CHECK_FALSE(book.at(db::EndpointKey{"m/x", "other", "up"}, 9000));
  auto h = book.history(kEp);
  REQUIRE(h.size() == 4);
  CHECK(h.front().id == 1);
  CHECK(h.back().id == 4);
  CHECK(book.latest_from(kEp, "config")->id == 1);
  CHECK(book.latest_from(kEp, "api")->id == 4);
  CHECK(book.last_id() == 4);
}

TEST_CASE("zero-completion insurance bills $0 and says what it waived", "[billing][pricing]") {
  Pricing p{Picodollars(10), Picodollars(20), Picodollars(5), {}, {}};
  Usage empty;
  empty.prompt_tokens = 100;
  Charge c = charge_for(empty, p, true, false);
  CHECK(c.insured);
  CHECK(c.cost == kZeroCost);
  CHECK(c.waived == Picodollars(100 * 10 + 5));
  Usage some = empty;
  some.completion_tokens = 3;
  CHECK(charge_for(some, p, true, false).cost == Picodollars(100 * 10 + 3 * 20 + 5));
  CHECK(charge_for(some, p, true, true).insured);  // a finish of error
  CHECK(charge_for(empty, p, false, false).cost == Picodollars(1005));  // the model opted out
}

TEST_CASE("the worst case prices every prompt token at the dearest prompt-side price", "[billing][pricing]") {
  Pricing p{Picodollars(10), Picodollars(20), Picodollars(5), Picodollars(1), Picodollars(12)};
  CHECK(worst_case_cost(100, 50, p) == Picodollars(100 * 12 + 50 * 20 + 5));
}
