// A minimal streaming JSON writer. simdjson (our parser) has no serializer in the Debian
// version, so output JSON is written here: strings are escaped per RFC 8259, commas are
// placed automatically, raw() splices already-valid JSON (e.g. a client's minified value).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard {

void json_escape_to(std::string& out, std::string_view s);  // without the quotes
std::string json_quote(std::string_view s);                  // with the quotes

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(int64_t v);
  JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(uint64_t v);
  JsonWriter& value(double v);
  JsonWriter& value(bool v);
  JsonWriter& null();
  JsonWriter& raw(std::string_view json);  // must be one valid JSON value

  // key + value in one call
  template <class T>
  JsonWriter& field(std::string_view k, const T& v) { key(k); return value(v); }
  JsonWriter& field_raw(std::string_view k, std::string_view json) { key(k); return raw(json); }
  JsonWriter& field_null(std::string_view k) { key(k); return null(); }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace switchyard
