#include "providers/openai_compat/response_parser.h"

#include <charconv>
#include <cmath>

#include "providers/json_parser.h"
#include "providers/json_writer.h"

namespace switchyard::providers::openai_compat {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr size_t kRawLimit = 4096;  // bytes of upstream body kept in error metadata

std::optional<element> member(element e, std::string_view key) {
  element v;
  if (e[key].get(v) != simdjson::SUCCESS || v.is_null()) return std::nullopt;
  return v;
}

std::string_view string_member(element e, std::string_view key) {
  std::string_view s;
  if (auto v = member(e, key); v && v->get(s) == simdjson::SUCCESS) return s;
  return {};
}

std::optional<int64_t> int_member(element e, std::string_view key) {
  auto v = member(e, key);
  if (!v) return std::nullopt;
  int64_t i;
  if (v->get(i) == simdjson::SUCCESS) return i;
  double d;  // some upstreams write 12.0
  if (v->get(d) == simdjson::SUCCESS && std::isfinite(d) && std::abs(d) < 9e15) return static_cast<int64_t>(d);
  return std::nullopt;
}

// Cuts at most `limit` bytes without splitting a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, size_t limit) {
  if (s.size() <= limit) return s;
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

std::string error_metadata(const std::string& provider_name, long status, std::string_view body) {
  JsonWriter w;
  w.begin_object().field("provider_name", provider_name).field("upstream_status", static_cast<int64_t>(status));
  w.field("raw", utf8_prefix(body, kRawLimit)).end_object();
  return w.take();
}

// The `error` member of an upstream body: {"error":{"message":...}} or {"error":"..."}.
std::string error_message_of(element doc) {
  auto err = member(doc, "error");
  if (!err) return {};
  std::string_view s;
  if (err->get(s) == simdjson::SUCCESS) return std::string(s);
  if (auto m = string_member(*err, "message"); !m.empty()) return std::string(m);
  return {};
}

std::optional<Usage> parse_usage(element doc) {
  auto u = member(doc, "usage");
  if (!u || !u->is_object()) return std::nullopt;
  auto prompt = int_member(*u, "prompt_tokens");
  auto completion = int_member(*u, "completion_tokens");
  if (!prompt && !completion) return std::nullopt;
  Usage usage;
  usage.prompt_tokens = std::max<int64_t>(0, prompt.value_or(0));
  usage.completion_tokens = std::max<int64_t>(0, completion.value_or(0));
  if (auto details = member(*u, "prompt_tokens_details")) {
    usage.cached_tokens = std::max<int64_t>(0, int_member(*details, "cached_tokens").value_or(0));
    usage.cache_write_tokens = std::max<int64_t>(0, int_member(*details, "cache_write_tokens").value_or(0));
  }
  if (auto details = member(*u, "completion_tokens_details"))
    usage.reasoning_tokens = std::max<int64_t>(0, int_member(*details, "reasoning_tokens").value_or(0));
  return usage;
}

Event make_event(EventKind kind, int64_t choice) {
  Event e;
  e.kind = kind;
  e.choice_index = choice;
  return e;
}

}  // namespace

ParsedDocument ResponseParser::parse_response(std::string_view body) { return parse(body, false); }
ParsedDocument ResponseParser::parse_chunk(std::string_view data) { return parse(data, true); }

ParsedDocument ResponseParser::parse(std::string_view json, bool streamed) {
  ParsedDocument out;
  ParserLease parser;
  element doc;
  if (auto err = parser->parse(json.data(), json.size()).get(doc); err != simdjson::SUCCESS) {
    out.malformed = std::string("invalid JSON (") + simdjson::error_message(err) + ")";
    return out;
  }
  if (!doc.is_object()) {
    out.malformed = "JSON is not an object";
    return out;
  }
  out.id = std::string(string_member(doc, "id"));
  if (member(doc, "error")) {
    std::string message = error_message_of(doc);
    out.error = Error{ErrorKind::upstream_error, message.empty() ? "upstream reported an error" : message, 502,
                      error_metadata(provider_name_, 200, json), 0};
    return out;
  }
  array choices;
  if (auto c = member(doc, "choices"); c && c->get(choices) == simdjson::SUCCESS) {
    int64_t position = 0;
    for (element choice : choices) {
      const int64_t index = int_member(choice, "index").value_or(position++);
      if (index < 0 || index > 127) continue;  // nonsense; n is at most 2
      if (started_choices_.insert(index).second) out.events.push_back(make_event(EventKind::role, index));
      // Chat: message (whole) or delta (streamed); completions: text on the choice itself.
      std::optional<element> body = chat_ ? member(choice, streamed ? "delta" : "message") : choice;
      if (body) {
        auto text = string_member(*body, chat_ ? "content" : "text");
        if (!text.empty()) {
          Event e = make_event(EventKind::content, index);
          e.text = std::string(text);
          out.events.push_back(std::move(e));
        }
        array calls;
        if (auto tc = member(*body, "tool_calls"); chat_ && tc && tc->get(calls) == simdjson::SUCCESS) {
          int64_t call_position = 0;
          for (element call : calls) {
            Event e = make_event(EventKind::tool_call, index);
            e.tool_call.index = int_member(call, "index").value_or(call_position);
            ++call_position;
            e.tool_call.id = std::string(string_member(call, "id"));
            if (auto fn = member(call, "function")) {
              e.tool_call.name = std::string(string_member(*fn, "name"));
              e.tool_call.arguments = std::string(string_member(*fn, "arguments"));
            }
            out.events.push_back(std::move(e));
          }
        }
      }
      if (auto lp = member(choice, "logprobs"); lp && (lp->is_object() || lp->is_array())) {
        Event e = make_event(EventKind::logprobs, index);
        e.logprobs_json = simdjson::minify(*lp);
        out.events.push_back(std::move(e));
      }
      auto native = string_member(choice, "finish_reason");
      if (!native.empty() || !streamed) {
        // A whole response always closes its choices; "stop" when the upstream omitted it.
        Event e = make_event(EventKind::finish, index);
        e.native_finish_reason = std::string(native);
        e.finish_reason = native.empty() ? "stop" : normalize_finish_reason(e.native_finish_reason);
        out.events.push_back(std::move(e));
      }
    }
  }
  out.usage = parse_usage(doc);
  return out;
}

Error upstream_http_error(const std::string& provider_name, long status, std::string_view body,
                          std::string_view retry_after) {
  Error e;
  e.metadata_json = error_metadata(provider_name, status, body);
  simdjson::dom::parser parser;
  element doc;
  if (!body.empty() && parser.parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS) e.message = error_message_of(doc);
  if (e.message.empty()) e.message = "upstream returned HTTP " + std::to_string(status);
  switch (status) {
    // The client's own mistakes, as the upstream judged them, keep their status.
    case 400: e.kind = ErrorKind::invalid_argument; e.status = 400; break;
    case 413: e.kind = ErrorKind::payload_too_large; e.status = 413; break;
    case 422: e.kind = ErrorKind::unprocessable; e.status = 422; break;
    case 429: {
      e.kind = ErrorKind::rate_limited;
      e.status = 429;
      int seconds = 0;  // delta-seconds only; an HTTP-date is rare and ignored
      auto [p, ec] = std::from_chars(retry_after.data(), retry_after.data() + retry_after.size(), seconds);
      if (ec == std::errc() && p == retry_after.data() + retry_after.size() && seconds > 0)
        e.retry_after_seconds = std::min(seconds, 86400);
      break;
    }
    default: e.kind = ErrorKind::upstream_error; e.status = 502; break;
  }
  return e;
}

Error upstream_bad_response(const std::string& provider_name, long status, std::string message, std::string_view body) {
  return Error{ErrorKind::upstream_error, std::move(message), 502, error_metadata(provider_name, status, body), 0};
}

}  // namespace switchyard::providers::openai_compat
