// The bodies of POST /api/v1/keys and PATCH /api/v1/keys/{hash}, OpenRouter's fields plus
// the rate limits: name, limit (USD or null), limit_reset (daily | weekly | monthly | null),
// expires_at (ISO 8601 UTC or null), rpm, tpm, max_concurrent (integers or null), and on
// create `management` (a key for the admin API). include_byok_in_limit is accepted and has
// no effect (there are no BYOK keys here).
#pragma once

#include <cstdint>
#include <string_view>

#include "db/records.h"
#include "providers/error.h"

namespace switchyard::proxy::admin {

Result<db::NewKey> parse_new_key(std::string_view body, int64_t now_ms);
Result<db::KeyPatch> parse_key_patch(std::string_view body, int64_t now_ms);

}  // namespace switchyard::proxy::admin
