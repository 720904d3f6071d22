// Typed getters shared by the ingress parsers (json_fields.h).
#include <algorithm>
#include <charconv>

#include "providers/json_writer.h"
#include "proxy/api/common/json_fields.h"

namespace switchyard::proxy::json_fields {

namespace {

using simdjson::dom::element_type;

// Shortest round-trip text for a double (3.5, 1e+300), as the client would recognise it.
std::string double_text(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "number";
  std::string text(buf, end);
  // 1.0 must not read as 1: "must be an integer, got 1" would be baffling.
  if (text.find_first_of(".en") == std::string::npos) text += ".0";
  return text;
}

std::string number_text(element e) {
  switch (e.type()) {
    case element_type::INT64: return std::to_string(int64_t(e.get_int64().value_unsafe()));
    case element_type::UINT64: return std::to_string(uint64_t(e.get_uint64().value_unsafe()));
    case element_type::DOUBLE: return double_text(e.get_double().value_unsafe());
    default: return type_name(e);
  }
}

std::string format_bound(double v) {
  // Whole bounds print as integers ("[0, 2]"), as the API docs write them.
  if (v == static_cast<double>(static_cast<int64_t>(v))) return std::to_string(static_cast<int64_t>(v));
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ec == std::errc() ? end : buf);
}

}  // namespace

// Cut on a UTF-8 character boundary so the message stays valid UTF-8.
std::string quoted_excerpt(std::string_view s) {
  constexpr size_t kMax = 64;
  size_t cut = s.size();
  if (cut > kMax) {
    cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  }
  // Appended piecewise: "\"" + std::string(...) trips a GCC 12 -Wrestrict false positive.
  std::string out;
  out.reserve(cut + 5);
  out.push_back('"');
  out.append(s.substr(0, cut));
  if (cut < s.size()) out.append("...");
  out.push_back('"');
  return out;
}

std::unexpected<Error> invalid_message(std::string_view param, std::string message) {
  std::string metadata = "{\"param\":" + json_quote(param) + "}";
  return fail(ErrorKind::invalid_argument, std::move(message), std::move(metadata));
}

std::unexpected<Error> invalid(std::string_view param, std::string_view expected, std::string_view got) {
  std::string message;
  message.reserve(param.size() + expected.size() + got.size() + 16);
  message.append(param).append(" must be ").append(expected).append(", got ").append(got);
  return invalid_message(param, std::move(message));
}

const char* type_name(element e) {
  switch (e.type()) {
    case element_type::ARRAY: return "array";
    case element_type::OBJECT: return "object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "number";
    case element_type::STRING: return "string";
    case element_type::BOOL: return "boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "unknown";
}

std::string describe(element e) {
  if (e.is_number()) return number_text(e);
  if (e.is_string()) return quoted_excerpt(e.get_string().value_unsafe());
  if (e.is_bool()) return e.get_bool().value_unsafe() ? "true" : "false";
  return type_name(e);
}

std::string index_path(std::string_view base, size_t i) {
  std::string out(base);
  out.append("[").append(std::to_string(i)).append("]");
  return out;
}

std::string key_path(std::string_view base, std::string_view key) {
  std::string out(base);
  out.append(".").append(key);
  return out;
}

Result<simdjson::dom::object> body_object(simdjson::dom::parser& parser, std::string_view body) {
  element document;
  if (auto error = parser.parse(body.data(), body.size()).get(document); error != simdjson::SUCCESS)
    return fail(ErrorKind::invalid_argument, std::string("Invalid JSON in request body: ") + simdjson::error_message(error));
  if (!document.is_object())
    return fail(ErrorKind::invalid_argument,
                std::string("The request body must be a JSON object, got ") + type_name(document));
  return document.get_object().value_unsafe();
}

Status first_sight(std::unordered_set<std::string_view>& seen, std::string_view key) {
  if (seen.insert(key).second) return {};
  return invalid_message(key, "The field " + quoted_excerpt(key) + " appears more than once");
}

Result<double> number_in(element e, std::string_view param, Range range) {
  std::string expected = "a number in ";
  expected += range.lo_open ? "(" : "[";
  expected += format_bound(range.lo) + ", " + format_bound(range.hi);
  expected += range.hi_open ? ")" : "]";
  if (!e.is_number()) return invalid(param, expected, type_name(e));
  double v = e.get_double().value_unsafe();
  bool below = range.lo_open ? !(v > range.lo) : !(v >= range.lo);
  bool above = range.hi_open ? !(v < range.hi) : !(v <= range.hi);
  if (below || above) return invalid(param, expected, number_text(e));
  return v;
}

Result<double> number_at_least(element e, std::string_view param, double lo) {
  std::string expected = "a number >= " + format_bound(lo);
  if (!e.is_number()) return invalid(param, expected, type_name(e));
  double v = e.get_double().value_unsafe();
  if (!(v >= lo)) return invalid(param, expected, number_text(e));
  return v;
}

Result<int64_t> integer_in(element e, std::string_view param, int64_t lo, int64_t hi) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min(), kMax = std::numeric_limits<int64_t>::max();
  std::string expected = "an integer";
  if (lo != kMin && hi != kMax) expected += " in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  else if (lo != kMin) expected += " >= " + std::to_string(lo);
  else if (hi != kMax) expected += " <= " + std::to_string(hi);
  // Integers only: 1.0 arrives as a double and is rejected, like OpenAI does.
  // (type(), not is_double(): the DOM's is_double() is true for every number.)
  if (e.type() != element_type::INT64) {
    if (e.is_number()) return invalid(param, expected, number_text(e));  // a double, or beyond int64
    return invalid(param, expected, type_name(e));
  }
  int64_t v = e.get_int64().value_unsafe();
  if (v < lo || v > hi) return invalid(param, expected, number_text(e));
  return v;
}

Result<bool> boolean(element e, std::string_view param) {
  if (!e.is_bool()) return invalid(param, "a boolean", type_name(e));
  return e.get_bool().value_unsafe();
}

Result<std::string_view> string(element e, std::string_view param) {
  if (!e.is_string()) return invalid(param, "a string", type_name(e));
  return e.get_string().value_unsafe();
}

Result<std::string_view> non_empty_string(element e, std::string_view param) {
  if (!e.is_string()) return invalid(param, "a non-empty string", type_name(e));
  std::string_view s = e.get_string().value_unsafe();
  if (s.empty()) return invalid(param, "a non-empty string", "\"\"");
  return s;
}

Result<std::string_view> one_of(element e, std::string_view param, std::initializer_list<std::string_view> allowed) {
  std::string expected = "one of ";
  bool first = true;
  for (std::string_view a : allowed) {
    if (!first) expected += ", ";
    expected += a;
    first = false;
  }
  if (!e.is_string()) return invalid(param, expected, type_name(e));
  std::string_view s = e.get_string().value_unsafe();
  for (std::string_view a : allowed)
    if (s == a) return s;
  return invalid(param, expected, quoted_excerpt(s));
}

Result<simdjson::dom::object> object(element e, std::string_view param) {
  if (!e.is_object()) return invalid(param, "an object", type_name(e));
  return e.get_object().value_unsafe();
}

std::optional<element> member(simdjson::dom::object o, std::string_view key) {
  element e;
  if (o[key].get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
  return e;
}

Result<element> required(simdjson::dom::object o, std::string_view key, std::string_view param,
                         std::string_view expected) {
  auto e = member(o, key);
  if (!e) return invalid(param, expected, "nothing");
  return *e;
}

Result<std::string_view> function_name(std::optional<element> name, std::string_view param) {
  constexpr std::string_view kRule = "a string of 1 to 64 characters from a-z, A-Z, 0-9, _ and -";
  if (!name) return invalid(param, kRule, "nothing");
  if (!name->is_string()) return invalid(param, kRule, type_name(*name));
  std::string_view s = name->get_string().value_unsafe();
  bool valid = !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
  });
  if (!valid) return invalid(param, kRule, quoted_excerpt(s));
  return s;
}

Result<simdjson::dom::array> array(element e, std::string_view param) {
  if (!e.is_array()) return invalid(param, "an array", type_name(e));
  return e.get_array().value_unsafe();
}

Result<std::vector<std::string>> string_array(element e, std::string_view param, size_t max_items) {
  std::string expected = "an array of at most " + std::to_string(max_items) + " non-empty strings";
  if (!e.is_array()) return invalid(param, expected, type_name(e));
  simdjson::dom::array items = e.get_array().value_unsafe();
  if (items.size() > max_items) return invalid(param, expected, std::to_string(items.size()) + " items");
  std::vector<std::string> out;
  out.reserve(items.size());
  size_t i = 0;
  for (element item : items) {
    NORM_TRY(s, non_empty_string(item, index_path(param, i)));
    out.emplace_back(s);
    ++i;
  }
  return out;
}

}  // namespace switchyard::proxy::json_fields
