// Admin request bodies: one JSON object whose every field must be known (a typo is a 400
// that names it, never silently ignored), each read by its own handler. Explicit nulls
// reach the handler (null means "clear" for PATCH fields).
#pragma once

#include <simdjson.h>

#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "providers/error.h"

namespace switchyard::proxy::admin {

using FieldHandler = std::function<Result<void>(simdjson::dom::element)>;
using FieldTable = std::vector<std::pair<std::string_view, FieldHandler>>;

// Parses `body` and dispatches each field; errors name the field.
Result<void> read_object(std::string_view body, const FieldTable& fields);

// A USD amount as a JSON number >= 0, or null (nullopt): `limit`.
Result<std::optional<int64_t>> usd_or_null(simdjson::dom::element e, std::string_view param);
// A non-negative integer or null: rate limits.
Result<std::optional<int64_t>> count_or_null(simdjson::dom::element e, std::string_view param);
// An ISO 8601 time or null.
Result<std::optional<int64_t>> time_or_null(simdjson::dom::element e, std::string_view param);

}  // namespace switchyard::proxy::admin
