#include "proxy/pipeline/duplicate_keys.h"

#include <simdjson.h>

#include <algorithm>
#include <vector>

#include "providers/json_parser.h"

namespace switchyard::proxy {

namespace {

using simdjson::dom::element;

std::optional<std::string> scan(element e, const std::string& path) {
  simdjson::dom::object object;
  simdjson::dom::array array;
  if (e.get(object) == simdjson::SUCCESS) {
    std::vector<std::string_view> keys;
    for (auto field : object) {
      const std::string child = path.empty() ? std::string(field.key) : path + "." + std::string(field.key);
      if (std::find(keys.begin(), keys.end(), field.key) != keys.end()) return child;
      keys.push_back(field.key);
      if (auto dup = scan(field.value, child)) return dup;
    }
  } else if (e.get(array) == simdjson::SUCCESS) {
    size_t i = 0;
    for (element item : array) {
      if (auto dup = scan(item, path + "[" + std::to_string(i++) + "]")) return dup;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> first_duplicate_key(std::string_view json) {
  ParserLease parser;
  element doc;
  if (parser->parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) return std::nullopt;
  return scan(doc, "");
}

}  // namespace switchyard::proxy
