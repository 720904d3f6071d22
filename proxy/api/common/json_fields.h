// Typed getters over simdjson DOM elements for every ingress parser (OpenAI, Anthropic,
// Responses): each checks one JSON value and turns a mismatch into an invalid_argument
// Error whose message names the field path, what it accepts and what it got, with
// metadata {"param":"<field path>"}.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "providers/error.h"

namespace switchyard::proxy::json_fields {

using simdjson::dom::element;
using Status = Result<void>;

// Propagates the error of a Result-returning expression, else binds its value.
#define NORM_TRY(var, expr)                                          \
  auto var##_result = (expr);                                        \
  if (!var##_result) return std::unexpected(std::move(var##_result.error())); \
  auto var = std::move(*var##_result)
#define NORM_CHECK(expr)                                             \
  do {                                                               \
    auto norm_status_ = (expr);                                      \
    if (!norm_status_) return std::unexpected(std::move(norm_status_.error())); \
  } while (0)

// A request body as its top-level object (held by `parser`): invalid JSON, or JSON that is
// not an object, is an invalid_argument error saying which.
Result<simdjson::dom::object> body_object(simdjson::dom::parser& parser, std::string_view body);
// A top-level key met a second time is an error: parsers disagree on which value wins.
// `seen` points into the parsed document.
Status first_sight(std::unordered_set<std::string_view>& seen, std::string_view key);

// "<param> must be <expected>, got <got>" with metadata {"param":"<param>"}.
std::unexpected<Error> invalid(std::string_view param, std::string_view expected, std::string_view got);
// A quoted copy of a client string, shortened for error messages.
std::string quoted_excerpt(std::string_view s);
// A free-form message with the same metadata.
std::unexpected<Error> invalid_message(std::string_view param, std::string message);

// What an element is, for "got ...": a number prints itself, a string is quoted and
// shortened, anything else is its type name.
std::string describe(element e);
const char* type_name(element e);

// Paths for nested fields: "messages" + 2 -> "messages[2]", "provider" + "order" -> "provider.order".
std::string index_path(std::string_view base, size_t i);
std::string key_path(std::string_view base, std::string_view key);

struct Range {
  double lo, hi;
  bool lo_open = false, hi_open = false;
};
Result<double> number_in(element e, std::string_view param, Range range);
Result<double> number_at_least(element e, std::string_view param, double lo);
Result<int64_t> integer_in(element e, std::string_view param, int64_t lo = std::numeric_limits<int64_t>::min(),
                           int64_t hi = std::numeric_limits<int64_t>::max());
Result<bool> boolean(element e, std::string_view param);
Result<std::string_view> string(element e, std::string_view param);
Result<std::string_view> non_empty_string(element e, std::string_view param);
Result<std::string_view> one_of(element e, std::string_view param, std::initializer_list<std::string_view> allowed);
Result<simdjson::dom::object> object(element e, std::string_view param);
// A member of an object; absent and explicit null both read as nullopt (SDKs send nulls).
std::optional<element> member(simdjson::dom::object o, std::string_view key);
// A member that must be there (not null): "<param> must be <expected>, got nothing" when not.
Result<element> required(simdjson::dom::object o, std::string_view key, std::string_view param,
                         std::string_view expected);
// A tool (function) name by OpenAI's rule, ^[a-zA-Z0-9_-]{1,64}$; absent is an error too.
Result<std::string_view> function_name(std::optional<element> name, std::string_view param);
Result<simdjson::dom::array> array(element e, std::string_view param);
// An array of non-empty strings, at most max_items long.
Result<std::vector<std::string>> string_array(element e, std::string_view param, size_t max_items);

// Stores a getter's value in `out`, or passes its error on, so a field that is one checked
// value is one line: `return store(boolean(e, "stream"), request.stream);`.
template <class T, class Out>
Status store(Result<T> value, Out& out) {
  if (!value) return std::unexpected(std::move(value.error()));
  out = std::move(*value);
  return {};
}

}  // namespace switchyard::proxy::json_fields
