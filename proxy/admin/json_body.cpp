#include "proxy/admin/json_body.h"

#include <unordered_set>

#include "proxy/api/common/json_fields.h"
#include "proxy/billing/money.h"
#include "proxy/billing/periods.h"

namespace switchyard::proxy::admin {

using namespace json_fields;

Result<void> read_object(std::string_view body, const FieldTable& fields) {
  simdjson::dom::parser parser;
  NORM_TRY(top, body_object(parser, body));
  std::unordered_set<std::string_view> seen;
  for (auto [key, value] : top) {
    NORM_CHECK(first_sight(seen, key));
    auto known = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.first == key; });
    if (known == fields.end()) {
      std::string list;
      for (const auto& f : fields) list += (list.empty() ? "" : ", ") + std::string(f.first);
      return invalid_message(key, "Unknown field " + quoted_excerpt(key) + " (known: " + list + ")");
    }
    if (auto ok = known->second(value); !ok) return ok;
  }
  return {};
}

Result<std::optional<int64_t>> usd_or_null(element e, std::string_view param) {
  if (e.is_null()) return std::optional<int64_t>();
  NORM_TRY(usd, number_in(e, param, Range{0, 1e9}));
  auto pico = billing::usd_to_pico(usd);
  if (!pico) return invalid(param, "a USD amount in [0, 1000000000]", describe(e));
  return std::optional<int64_t>(pico->pico());
}

Result<std::optional<int64_t>> count_or_null(element e, std::string_view param) {
  if (e.is_null()) return std::optional<int64_t>();
  NORM_TRY(n, integer_in(e, param, 0, int64_t{1} << 50));
  return std::optional<int64_t>(n);
}

Result<std::optional<int64_t>> time_or_null(element e, std::string_view param) {
  if (e.is_null()) return std::optional<int64_t>();
  NORM_TRY(text, string(e, param));
  auto ms = billing::parse_iso8601(text);
  if (!ms) return invalid(param, "an ISO 8601 time such as 2027-01-31T23:59:59Z", describe(e));
  return std::optional<int64_t>(*ms);
}

}  // namespace switchyard::proxy::admin
