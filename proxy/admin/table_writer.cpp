#include "proxy/admin/table_writer.h"

#include "providers/json_writer.h"

namespace switchyard::proxy::admin {

std::optional<TableFormat> parse_table_format(std::string_view name) {
  if (name == "json") return TableFormat::json;
  if (name == "ndjson") return TableFormat::ndjson;
  if (name == "csv") return TableFormat::csv;
  return std::nullopt;
}

const char* table_content_type(TableFormat f) {
  switch (f) {
    case TableFormat::json: return "application/json; charset=utf-8";
    case TableFormat::ndjson: return "application/x-ndjson; charset=utf-8";
    case TableFormat::csv: return "text/csv; charset=utf-8";
  }
  return "application/json";
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

namespace {

std::string cell_text(const Cell& c) {
  if (auto* s = std::get_if<std::string>(&c)) return *s;
  if (auto* i = std::get_if<int64_t>(&c)) return std::to_string(*i);
  if (auto* n = std::get_if<Number>(&c)) return n->text;
  if (auto* j = std::get_if<Json>(&c)) return j->text;
  return "";
}

void cell_json(JsonWriter& w, const Cell& c) {
  if (auto* s = std::get_if<std::string>(&c)) w.value(*s);
  else if (auto* i = std::get_if<int64_t>(&c)) w.value(*i);
  else if (auto* n = std::get_if<Number>(&c)) w.raw(n->text);
  else if (auto* j = std::get_if<Json>(&c)) w.raw(j->text);
  else w.null();
}

std::string json_object(const std::vector<std::string>& columns, const std::vector<Cell>& cells) {
  JsonWriter w;
  w.begin_object();
  for (size_t i = 0; i < columns.size() && i < cells.size(); ++i) {
    w.key(columns[i]);
    cell_json(w, cells[i]);
  }
  w.end_object();
  return w.take();
}

}  // namespace

TableWriter::TableWriter(TableFormat format, std::vector<std::string> columns)
    : format_(format), columns_(std::move(columns)) {}

std::string TableWriter::begin() {
  if (format_ == TableFormat::json) return "{\"data\":[";
  if (format_ == TableFormat::ndjson) return {};
  std::string header;
  for (size_t i = 0; i < columns_.size(); ++i) header += (i ? "," : "") + csv_field(columns_[i]);
  return header + "\r\n";
}

std::string TableWriter::row(const std::vector<Cell>& cells) {
  if (format_ == TableFormat::csv) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + csv_field(cell_text(cells[i]));
    return line + "\r\n";
  }
  std::string obj = json_object(columns_, cells);
  if (format_ == TableFormat::ndjson) return obj + "\n";
  std::string out = first_ ? obj : "," + obj;
  first_ = false;
  return out;
}

std::string TableWriter::end() { return format_ == TableFormat::json ? "]}" : ""; }

}  // namespace switchyard::proxy::admin
