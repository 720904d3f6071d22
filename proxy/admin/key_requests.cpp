#include "proxy/admin/key_requests.h"

#include "proxy/admin/json_body.h"
#include "proxy/api/common/json_fields.h"
#include "proxy/billing/periods.h"

namespace switchyard::proxy::admin {

using namespace json_fields;

namespace {

Result<std::string> key_name(element e) {
  NORM_TRY(name, non_empty_string(e, "name"));
  if (name.size() > 200) return invalid("name", "a name of at most 200 bytes", std::to_string(name.size()) + " bytes");
  return std::string(name);
}

Result<std::string> limit_reset(element e) {
  if (e.is_null()) return std::string();
  NORM_TRY(v, one_of(e, "limit_reset", {"daily", "weekly", "monthly"}));
  return std::string(v);
}

// An expiry must lie ahead: a key born expired would be a typo, not a wish.
Result<std::optional<int64_t>> expiry(element e, int64_t now_ms) {
  NORM_TRY(at, time_or_null(e, "expires_at"));
  if (at && *at <= now_ms) return invalid("expires_at", "a time in the future", describe(e));
  return at;
}

// The fields both bodies share, writing into `out`'s members.
template <class Out>
void add_common(FieldTable& t, Out& out, int64_t now_ms) {
  t.emplace_back("limit", [&out](element e) -> Result<void> {
    NORM_TRY(v, usd_or_null(e, "limit"));
    out.limit_pico = v;
    return {};
  });
  t.emplace_back("limit_reset", [&out](element e) -> Result<void> {
    NORM_TRY(v, limit_reset(e));
    out.limit_reset = v;
    return {};
  });
  t.emplace_back("expires_at", [&out, now_ms](element e) -> Result<void> {
    NORM_TRY(v, expiry(e, now_ms));
    out.expires_at = v;
    return {};
  });
  for (auto [name, member] : {std::pair{"rpm", &Out::rpm}, std::pair{"tpm", &Out::tpm},
                              std::pair{"max_concurrent", &Out::max_concurrent}})
    t.emplace_back(name, [&out, name, member](element e) -> Result<void> {
      NORM_TRY(v, count_or_null(e, name));
      out.*member = v;
      return {};
    });
  t.emplace_back("include_byok_in_limit", [](element e) -> Result<void> {
    NORM_CHECK(boolean(e, "include_byok_in_limit"));
    return {};
  });
}

}  // namespace

Result<db::NewKey> parse_new_key(std::string_view body, int64_t now_ms) {
  db::NewKey k;
  bool named = false;
  FieldTable t;
  t.emplace_back("name", [&](element e) -> Result<void> {
    NORM_TRY(name, key_name(e));
    k.name = std::move(name);
    named = true;
    return {};
  });
  t.emplace_back("management", [&](element e) -> Result<void> {
    NORM_TRY(v, boolean(e, "management"));
    k.management = v;
    return {};
  });
  add_common(t, k, now_ms);
  NORM_CHECK(read_object(body, t));
  if (!named) return invalid("name", "a non-empty string", "nothing");
  return k;
}

Result<db::KeyPatch> parse_key_patch(std::string_view body, int64_t now_ms) {
  db::KeyPatch p;
  FieldTable t;
  t.emplace_back("name", [&](element e) -> Result<void> {
    NORM_TRY(name, key_name(e));
    p.name = std::move(name);
    return {};
  });
  t.emplace_back("disabled", [&](element e) -> Result<void> {
    NORM_TRY(v, boolean(e, "disabled"));
    p.disabled = v;
    return {};
  });
  add_common(t, p, now_ms);
  NORM_CHECK(read_object(body, t));
  if (p.empty()) return fail(ErrorKind::invalid_argument, "The body changes nothing: send at least one field to update");
  return p;
}

}  // namespace switchyard::proxy::admin
