// JSON Schema "pattern" (an ECMA-262 regular expression, unanchored unless it starts with
// ^ and ends with $) compiled into a rule matching a JSON string, quotes included, whose
// decoded value matches. Characters are written as JSON requires (" as \", controls
// escaped), so the pattern sees what a JSON reader decodes.
//
// Supported: literals, ., [classes] with ranges and negation, \d \w \s \D \W \S, escapes
// (\t \n \r \f \v \0 \xHH \uHHHH, escaped punctuation), groups ( ), (?: ), (?<name> ),
// alternation |, quantifiers * + ? {n} {n,} {n,m} (lazy forms too: same language), ^ at
// the start and $ at the end. Anything else (lookaround, backreferences, \b, anchors
// inside) is an error naming it.
#pragma once

#include <string_view>

#include "local_engine/grammar/json_grammar.h"

namespace switchyard::engine::grammar {

Result<int32_t> compile_pattern(std::string_view pattern, JsonRules& rules);

}  // namespace switchyard::engine::grammar
