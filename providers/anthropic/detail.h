// Internal helpers shared by the Anthropic translation files (not a public API).
#pragma once

#include <simdjson.h>

#include <string_view>

#include "providers/anthropic/response_translation.h"

namespace switchyard::anthropic::detail {

// Designated initializers on Event trip -Wmissing-field-initializers; this does not.
inline Event make_event(EventKind kind, std::string text = {}) {
  Event e;
  e.kind = kind;
  e.text = std::move(text);
  return e;
}

// At most `limit` bytes of `s` without splitting a UTF-8 sequence, so error metadata that
// quotes an upstream body stays valid JSON text.
inline std::string_view utf8_prefix(std::string_view s, size_t limit) {
  if (s.size() <= limit) return s;
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

// Reads the integer fields of an Anthropic `usage` object; missing ones stay nullopt.
inline UsageFields read_usage(simdjson::dom::element usage) {
  UsageFields u;
  auto get = [&](const char* key, std::optional<int64_t>& out) {
    int64_t v;
    if (usage[key].get(v) == simdjson::SUCCESS && v >= 0) out = v;
  };
  get("input_tokens", u.input_tokens);
  get("output_tokens", u.output_tokens);
  get("cache_read_input_tokens", u.cache_read);
  get("cache_creation_input_tokens", u.cache_write);
  return u;
}

// Later values win: message_delta's cumulative counts override message_start's.
inline void merge_usage(UsageFields& into, const UsageFields& later) {
  if (later.input_tokens) into.input_tokens = later.input_tokens;
  if (later.output_tokens) into.output_tokens = later.output_tokens;
  if (later.cache_read) into.cache_read = later.cache_read;
  if (later.cache_write) into.cache_write = later.cache_write;
}

}  // namespace switchyard::anthropic::detail
