#include "local_engine/grammar/json_schema.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <set>

#include "local_engine/grammar/regex.h"
#include "local_engine/json_text.h"

namespace switchyard::engine::grammar {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// Which values a keyword constrains; "annotation" ones constrain nothing.
enum class Applies { annotation, definitions, any, object, array, string };

struct Keyword {
  std::string_view name;
  Applies applies;
};

constexpr Keyword kKeywords[] = {
    {"title", Applies::annotation},     {"description", Applies::annotation}, {"default", Applies::annotation},
    {"examples", Applies::annotation},  {"$schema", Applies::annotation},     {"$id", Applies::annotation},
    {"$comment", Applies::annotation},  {"deprecated", Applies::annotation},  {"readOnly", Applies::annotation},
    {"writeOnly", Applies::annotation}, {"$defs", Applies::definitions},      {"definitions", Applies::definitions},
    {"type", Applies::any},             {"enum", Applies::any},               {"const", Applies::any},
    {"anyOf", Applies::any},            {"oneOf", Applies::any},              {"$ref", Applies::any},
    {"properties", Applies::object},    {"required", Applies::object},        {"additionalProperties", Applies::object},
    {"items", Applies::array},          {"minItems", Applies::array},         {"maxItems", Applies::array},
    {"minLength", Applies::string},     {"maxLength", Applies::string},       {"pattern", Applies::string},
};

const Keyword* keyword(std::string_view name) {
  for (const Keyword& k : kKeywords)
    if (k.name == name) return &k;
  return nullptr;
}

constexpr size_t kMaxCount = 10000;  // minItems/maxItems/minLength/maxLength: states grow with them
constexpr int kMaxDepth = 64;

std::optional<element> member(object o, std::string_view key) {
  element e;
  if (o[key].get(e) != simdjson::SUCCESS) return std::nullopt;
  return e;
}

// Copies of the DOM handles (cheap tape references): iterating over value_unsafe() of a
// temporary result would dangle.
array array_of(element e) { return e.get_array().value_unsafe(); }
object object_of(element e) { return e.get_object().value_unsafe(); }

std::string pointer_unescape(std::string_view part) {
  std::string out;
  for (size_t i = 0; i < part.size(); ++i) {
    if (part[i] == '~' && i + 1 < part.size() && (part[i + 1] == '0' || part[i + 1] == '1')) {
      out += part[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += part[i];
    }
  }
  return out;
}

class SchemaCompiler {
 public:
  SchemaCompiler(JsonRules& j, element root, std::string label)
      : j_(j), b_(j.builder()), root_(root), label_(std::move(label)) {}

  Result<int32_t> compile(element s, const std::string& path) {
    if (s.is_bool()) {
      if (s.get_bool().value_unsafe()) return j_.any_value();
      return fail(path, "the schema false allows no value");
    }
    if (!s.is_object()) return fail(path, "a schema must be an object or a boolean");
    if (++depth_ > kMaxDepth) return fail(path, "the schema nests deeper than " + std::to_string(kMaxDepth) + " levels");
    auto r = compile_object_schema(object_of(s), path);
    --depth_;
    return r;
  }

 private:
  std::unexpected<Error> fail(const std::string& path, const std::string& what) const {
    return std::unexpected(Error{label_ + ": " + what + " (at " + path + ")"});
  }

  Result<int32_t> compile_object_schema(object o, const std::string& path) {
    std::set<Applies> used;
    for (auto [key, value] : o) {
      const Keyword* k = keyword(key);
      if (!k) return fail(path, "unsupported JSON-schema keyword '" + std::string(key) + "'");
      if (k->applies != Applies::annotation && k->applies != Applies::definitions && key != "type") used.insert(k->applies);
    }
    const bool combinator = member(o, "$ref") || member(o, "anyOf") || member(o, "oneOf") || member(o, "enum") ||
                            member(o, "const");
    if (combinator) {
      for (auto [key, value] : o) {
        const Applies a = keyword(key)->applies;
        if (a == Applies::object || a == Applies::array || a == Applies::string)
          return fail(path, "'" + std::string(key) + "' together with $ref, anyOf, oneOf, enum or const is not supported");
      }
      return combined(o, path);
    }
    if (auto type = member(o, "type")) return typed_union(*type, o, path);
    if (used.count(Applies::object)) return typed("object", o, path);
    if (used.count(Applies::array)) return typed("array", o, path);
    if (used.count(Applies::string)) return typed("string", o, path);
    return j_.any_value();
  }

  // $ref, anyOf / oneOf, enum, const (only one of them).
  Result<int32_t> combined(object o, const std::string& path) {
    int n = 0;
    for (std::string_view k : {"$ref", "anyOf", "oneOf", "enum", "const"}) n += member(o, k).has_value();
    if (n > 1) return fail(path, "only one of $ref, anyOf, oneOf, enum and const may appear in one schema");
    if (auto ref = member(o, "$ref")) {
      if (!ref->is_string()) return fail(path, "$ref must be a string");
      return reference(ref->get_string().value_unsafe(), path);
    }
    if (auto e = member(o, "enum")) {
      if (!e->is_array() || array_of(*e).size() == 0) return fail(path, "enum must be a non-empty array");
      std::vector<std::string> texts;
      for (element v : array_of(*e)) texts.push_back(simdjson::minify(v));
      return j_.literals(texts);
    }
    if (auto c = member(o, "const")) return j_.literals({simdjson::minify(*c)});
    const std::string_view which = member(o, "anyOf") ? "anyOf" : "oneOf";
    const element branches = *member(o, which);
    if (!branches.is_array() || array_of(branches).size() == 0)
      return fail(path, std::string(which) + " must be a non-empty array");
    std::vector<int32_t> rules;
    size_t i = 0;
    for (element branch : array_of(branches)) {
      auto r = compile(branch, path + "/" + std::string(which) + "/" + std::to_string(i++));
      if (!r) return r;
      rules.push_back(*r);
    }
    return choice(std::string(which), rules);
  }

  // A rule that is any one of `rules`.
  int32_t choice(std::string name, const std::vector<int32_t>& rules) {
    if (rules.size() == 1) return rules[0];
    const int32_t rule = b_.add_rule(std::move(name));
    const int32_t end = b_.add_state();
    b_.set_accepting(end);
    for (int32_t r : rules) b_.add_call(b_.start_of(rule), r, end);
    return rule;
  }

  Result<int32_t> reference(std::string_view ref, const std::string& path) {
    if (auto it = refs_.find(std::string(ref)); it != refs_.end()) return it->second;
    if (!ref.starts_with("#")) return fail(path, "$ref '" + std::string(ref) + "' is not local to this schema");
    element target = root_;
    std::string_view rest = ref.substr(1);
    while (!rest.empty()) {
      if (rest[0] != '/') return fail(path, "$ref '" + std::string(ref) + "' is not a JSON pointer");
      rest.remove_prefix(1);
      const size_t slash = rest.find('/');
      const std::string part = pointer_unescape(rest.substr(0, slash));
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
      element next;
      bool found = false;
      if (target.is_object()) {
        found = object_of(target)[part].get(next) == simdjson::SUCCESS;
      } else if (target.is_array() && !part.empty() && part.size() < 10 &&
                 std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        found = array_of(target).at(std::stoul(part)).get(next) == simdjson::SUCCESS;
      }
      if (!found) return fail(path, "$ref '" + std::string(ref) + "' points at nothing");
      target = next;
    }
    // The rule exists before its body, so a schema can refer to itself (nesting).
    const int32_t rule = b_.add_rule("ref " + std::string(ref));
    refs_[std::string(ref)] = rule;
    auto body = compile(target, std::string(ref));
    if (!body) return body;
    const int32_t end = b_.add_state();
    b_.set_accepting(end);
    b_.add_call(b_.start_of(rule), *body, end);
    return rule;
  }

  Result<int32_t> typed_union(element type, object o, const std::string& path) {
    if (type.is_string()) return typed(type.get_string().value_unsafe(), o, path);
    if (!type.is_array() || array_of(type).size() == 0)
      return fail(path, "type must be a type name or a non-empty list of them");
    std::vector<int32_t> rules;
    for (element t : array_of(type)) {
      if (!t.is_string()) return fail(path, "type must be a type name or a non-empty list of them");
      auto r = typed(t.get_string().value_unsafe(), o, path);
      if (!r) return r;
      rules.push_back(*r);
    }
    return choice("types", rules);
  }

  Result<int32_t> typed(std::string_view type, object o, const std::string& path) {
    if (type == "object") return object_rule(o, path);
    if (type == "array") return array_rule(o, path);
    if (type == "string") return string_rule(o, path);
    if (type == "number") return j_.number(false);
    if (type == "integer") return j_.number(true);
    if (type == "boolean") return j_.literals({"true", "false"});
    if (type == "null") return j_.literals({"null"});
    return fail(path, "unknown type '" + std::string(type) + "'");
  }

  // A non-negative integer keyword, at most kMaxCount.
  Result<std::optional<size_t>> count(object o, std::string_view key, const std::string& path) {
    auto v = member(o, key);
    if (!v) return std::optional<size_t>{};
    int64_t n = 0;
    if (v->is_int64()) n = v->get_int64().value_unsafe();
    else if (v->is_uint64()) n = int64_t(kMaxCount) + 1;
    else if (v->is_double() && v->get_double().value_unsafe() == double(int64_t(v->get_double().value_unsafe())))
      n = int64_t(v->get_double().value_unsafe());
    else return fail(path, std::string(key) + " must be a non-negative integer");
    if (n < 0) return fail(path, std::string(key) + " must be a non-negative integer");
    if (size_t(n) > kMaxCount) return fail(path, std::string(key) + " above " + std::to_string(kMaxCount) + " is not supported");
    return std::optional<size_t>{size_t(n)};
  }

  Result<int32_t> string_rule(object o, const std::string& path) {
    auto min = count(o, "minLength", path);
    if (!min) return std::unexpected(min.error());
    auto max = count(o, "maxLength", path);
    if (!max) return std::unexpected(max.error());
    if (*max && **max < min->value_or(0)) return fail(path, "maxLength is below minLength");
    if (auto pattern = member(o, "pattern")) {
      if (!pattern->is_string()) return fail(path, "pattern must be a string");
      if (*min || *max) return fail(path, "pattern together with minLength or maxLength is not supported");
      auto r = compile_pattern(pattern->get_string().value_unsafe(), j_);
      if (!r) return fail(path, r.error().message);
      return r;
    }
    return j_.string(min->value_or(0), *max);
  }

  Result<int32_t> array_rule(object o, const std::string& path) {
    auto min_r = count(o, "minItems", path);
    if (!min_r) return std::unexpected(min_r.error());
    auto max_r = count(o, "maxItems", path);
    if (!max_r) return std::unexpected(max_r.error());
    const size_t min = min_r->value_or(0);
    const std::optional<size_t> max = *max_r;
    if (max && *max < min) return fail(path, "maxItems is below minItems");
    int32_t item = 0;
    if (auto items = member(o, "items")) {
      if (items->is_array()) return fail(path, "items as a list (tuple validation) is not supported");
      auto r = compile(*items, path + "/items");
      if (!r) return r;
      item = *r;
    } else {
      item = j_.any_value();
    }
    return j_.array_of(item, min, max);
  }

  struct Property {
    std::string name;
    int32_t rule = 0;
    bool required = false;
  };

  Result<int32_t> object_rule(object o, const std::string& path) {
    std::vector<Property> props;
    if (auto p = member(o, "properties")) {
      if (!p->is_object()) return fail(path, "properties must be an object");
      for (auto [name, schema] : object_of(*p)) {
        auto r = compile(schema, path + "/properties/" + std::string(name));
        if (!r) return r;
        props.push_back({std::string(name), *r, false});
      }
    }
    auto extra = member(o, "additionalProperties");
    const bool closed = extra && extra->is_bool() && !extra->get_bool().value_unsafe();
    if (extra && !extra->is_bool() && !extra->is_object()) return fail(path, "additionalProperties must be a boolean or a schema");
    if (auto req = member(o, "required")) {
      if (!req->is_array()) return fail(path, "required must be an array of property names");
      for (element name : array_of(*req)) {
        if (!name.is_string()) return fail(path, "required must be an array of property names");
        const std::string_view n = name.get_string().value_unsafe();
        auto it = std::find_if(props.begin(), props.end(), [&](const Property& p) { return p.name == n; });
        if (it != props.end()) it->required = true;
        else if (closed) return fail(path, "required property '" + std::string(n) + "' is not in properties");
        else props.push_back({std::string(n), j_.any_value(), true});
      }
    }
    if (!props.empty()) return fixed_object(props);
    if (closed) return j_.literals({"{}"});
    if (extra && extra->is_object()) {
      auto value = compile(*extra, path + "/additionalProperties");
      if (!value) return value;
      return j_.object_of(*value);
    }
    return j_.any_object();
  }

  // Properties in order, optional ones skippable; at[i][f]: before property i, f = some
  // property already written (the next one needs a comma).
  int32_t fixed_object(const std::vector<Property>& props) {
    const int32_t rule = b_.add_rule("object");
    const int32_t end = b_.add_state(), open = b_.add_state();
    b_.set_accepting(end);
    b_.add_bytes(b_.start_of(rule), '{', '{', open);
    const size_t n = props.size();
    std::vector<std::array<int32_t, 2>> at(n + 1);
    for (auto& a : at) a = {b_.add_state(), b_.add_state()};
    b_.add_eps(j_.ws(open), at[0][0]);
    for (size_t i = 0; i < n; ++i) {
      const int32_t key = b_.add_state();
      b_.add_eps(at[i][0], key);
      const int32_t comma = b_.add_state();
      b_.add_bytes(at[i][1], ',', ',', comma);
      b_.add_eps(j_.ws(comma), key);
      const int32_t colon = b_.add_state(), value_done = b_.add_state();
      b_.add_bytes(j_.ws(b_.add_literal(key, json_quote(props[i].name))), ':', ':', colon);
      b_.add_call(j_.ws(colon), props[i].rule, value_done);
      b_.add_eps(j_.ws(value_done), at[i + 1][1]);
      if (!props[i].required) {
        b_.add_eps(at[i][0], at[i + 1][0]);
        b_.add_eps(at[i][1], at[i + 1][1]);
      }
    }
    b_.add_bytes(at[n][0], '}', '}', end);
    b_.add_bytes(at[n][1], '}', '}', end);
    return rule;
  }

  JsonRules& j_;
  GrammarBuilder& b_;
  element root_;
  std::string label_;
  std::map<std::string, int32_t> refs_;
  int depth_ = 0;
};

}  // namespace

Result<int32_t> compile_json_schema(std::string_view schema_json, JsonRules& rules, const std::string& label) {
  simdjson::dom::parser parser;
  const simdjson::padded_string text(schema_json);
  element root;
  if (auto err = parser.parse(text).get(root); err)
    return std::unexpected(Error{label + ": not valid JSON (" + std::string(simdjson::error_message(err)) + ")"});
  SchemaCompiler compiler(rules, root, label);
  return compiler.compile(root, "#");
}

int32_t response_root(GrammarBuilder& b, int32_t value) {
  const int32_t root = b.add_rule("root");
  const int32_t start = b.start_of(root), body = b.add_state(), end = b.add_state();
  b.add_bytes(start, ' ', ' ', body);
  b.add_eps(start, body);
  b.add_call(body, value, end);
  b.set_accepting(end);
  return root;
}

Result<Grammar> json_schema_grammar(std::string_view schema_json, const std::string& label) {
  GrammarBuilder b;
  JsonRules rules(b);
  auto value = compile_json_schema(schema_json, rules, label);
  if (!value) return std::unexpected(value.error());
  auto g = b.build(response_root(b, *value));
  if (!g) return std::unexpected(Error{label + ": " + g.error().message});
  return g;
}

Result<Grammar> json_object_grammar() {
  GrammarBuilder b;
  JsonRules rules(b);
  return b.build(response_root(b, rules.any_object()));
}

}  // namespace switchyard::engine::grammar
