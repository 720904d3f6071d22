// Rows out in the format an export asks for: JSON ({"data":[{...}]}), NDJSON (one object a
// line) or CSV (RFC 4180: a header line; fields with commas, quotes or line breaks quoted,
// quotes doubled; CRLF line ends). Used by the usage and generation exports and the CLI.
// Streaming: each call returns the bytes to send now, so memory stays flat.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace switchyard::proxy::admin {

enum class TableFormat { json, ndjson, csv };
std::optional<TableFormat> parse_table_format(std::string_view name);
const char* table_content_type(TableFormat f);

// A cell: text, an integer, a number already written as JSON number text (money), or
// JSON (attempts, say: a JSON value in json/ndjson, its text in CSV), or null.
struct Number {
  std::string text;
};
struct Json {
  std::string text;
};
using Cell = std::variant<std::string, int64_t, Number, Json, std::nullptr_t>;

class TableWriter {
 public:
  TableWriter(TableFormat format, std::vector<std::string> columns);
  std::string begin();
  std::string row(const std::vector<Cell>& cells);  // one cell per column
  std::string end();

 private:
  TableFormat format_;
  std::vector<std::string> columns_;
  bool first_ = true;
};

// RFC 4180 quoting of one field.
std::string csv_field(std::string_view s);

}  // namespace switchyard::proxy::admin
