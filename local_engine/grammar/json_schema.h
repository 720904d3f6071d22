// JSON Schema -> grammar rule, for response_format json_schema and tool parameters.
//
// Supported: type (one or a list: object, array, string, number, integer, boolean, null),
// properties, required, additionalProperties (false; true or a schema: extra members are
// generated only for objects with no declared properties), enum, const, items, minItems,
// maxItems, anyOf and oneOf (some branch must match: oneOf's "exactly one" is not
// enforced), local $ref ("#", "#/$defs/x", "#/definitions/x", any JSON pointer into the
// document, recursion included), $defs and definitions, and for strings minLength,
// maxLength and pattern (regex.h; not together with a length). Annotations (title,
// description, default, examples, $schema, $id, $comment, deprecated, readOnly, writeOnly)
// are accepted and change nothing. Any other keyword is an error naming it and where it
// is: a constraint is never silently dropped.
//
// Objects are generated with their properties in the schema's order (optional ones may be
// left out), so anything the grammar produces validates against the schema.
#pragma once

#include <string>
#include <string_view>

#include "local_engine/grammar/json_grammar.h"

namespace switchyard::engine::grammar {

// The rule for a value valid under schema_json (a JSON text). Errors start with `label`
// (e.g. "response_format.json_schema.schema").
Result<int32_t> compile_json_schema(std::string_view schema_json, JsonRules& rules, const std::string& label);

// A whole response: an optional leading space (a first token's word-start "▁"), then one
// value, nothing after it. For the schema, or any JSON object (response_format json_object).
Result<Grammar> json_schema_grammar(std::string_view schema_json, const std::string& label);
Result<Grammar> json_object_grammar();

// A root rule around `value`: optional leading space, the value, the end.
int32_t response_root(GrammarBuilder& b, int32_t value);

}  // namespace switchyard::engine::grammar
