#include "proxy/api/openai/response_builder.h"

#include <simdjson.h>

#include "providers/json_writer.h"

namespace switchyard::proxy {

static void write_usage(JsonWriter& w, const Usage& u, billing::Picodollars cost) {
  std::string dollars = billing::usd_string(cost);
  w.begin_object();
  w.field("prompt_tokens", u.prompt_tokens);
  w.field("completion_tokens", u.completion_tokens);
  w.field("total_tokens", u.prompt_tokens + u.completion_tokens);
  w.field_raw("cost", dollars);
  w.field_raw("estimated_cost", dollars);
  w.key("prompt_tokens_details").begin_object().field("cached_tokens", u.cached_tokens);
  if (u.cache_write_tokens) w.field("cache_write_tokens", u.cache_write_tokens);
  w.end_object();
  w.key("completion_tokens_details").begin_object().field("reasoning_tokens", u.reasoning_tokens).end_object();
  w.end_object();
}

std::string usage_json(const Usage& usage, billing::Picodollars cost) {
  JsonWriter w;
  write_usage(w, usage, cost);
  return w.take();
}

void ResponseCollector::add(const Event& e) {
  Choice& c = choices_[e.choice_index];
  switch (e.kind) {
    case EventKind::role: break;
    case EventKind::content:
      c.content += e.text;
      c.has_content = true;
      break;
    case EventKind::tool_call: {
      ToolCallAcc& t = c.tool_calls[e.tool_call.index];
      if (!e.tool_call.id.empty()) t.id = e.tool_call.id;
      if (!e.tool_call.name.empty()) t.name += e.tool_call.name;
      t.arguments += e.tool_call.arguments;
      break;
    }
    case EventKind::logprobs: {
      // logprobs_json is an OpenAI logprobs object: keep the elements of its `content`.
      c.has_logprobs = true;
      c.legacy_logprobs.append(e.logprobs_json);
      simdjson::dom::parser parser;
      simdjson::dom::element doc;
      if (parser.parse(e.logprobs_json).get(doc)) break;
      simdjson::dom::array items;
      if (doc["content"].get_array().get(items)) break;
      for (auto item : items) c.logprob_items.push_back(simdjson::minify(item));
      break;
    }
    case EventKind::finish:
      c.finish_reason = e.finish_reason;
      c.native_finish_reason = e.native_finish_reason;
      break;
    case EventKind::usage:
    case EventKind::error: break;
  }
}

std::string ResponseCollector::finish_reason(int64_t choice) const {
  auto it = choices_.find(choice);
  return it == choices_.end() ? "" : it->second.finish_reason;
}
std::string ResponseCollector::native_finish_reason(int64_t choice) const {
  auto it = choices_.find(choice);
  return it == choices_.end() ? "" : it->second.native_finish_reason;
}
size_t ResponseCollector::generated_chars() const {
  size_t n = 0;
  for (const auto& [i, c] : choices_) {
    n += c.content.size();
    for (const auto& [j, t] : c.tool_calls) n += t.arguments.size() + t.name.size();
  }
  return n;
}

// Opens the response object and writes the fields every body and chunk starts with.
static void write_head(JsonWriter& w, const ResponseMeta& meta, const char* object) {
  w.begin_object();
  w.field("id", meta.id);
  w.field("object", object);
  w.field("created", meta.created);
  w.field("model", meta.model);
  w.field("provider", meta.provider);
}

std::string ResponseCollector::to_json(const ResponseMeta& meta, const Usage& usage, billing::Picodollars cost) const {
  JsonWriter w;
  write_head(w, meta, meta.is_completion ? "text_completion" : "chat.completion");
  w.key("choices").begin_array();
  for (const auto& [index, c] : choices_) {
    w.begin_object().field("index", index);
    if (meta.is_completion) {
      w.field("text", c.content);
    } else {
      w.key("message").begin_object().field("role", "assistant");
      if (c.has_content || c.tool_calls.empty()) w.field("content", c.content);
      else w.field_null("content");
      if (!c.tool_calls.empty()) {
        w.key("tool_calls").begin_array();
        for (const auto& [ti, t] : c.tool_calls) {
          w.begin_object().field("id", t.id).field("type", "function").key("function").begin_object();
          w.field("name", t.name).field("arguments", t.arguments).end_object().end_object();
        }
        w.end_array();
      }
      w.end_object();
    }
    if (c.has_logprobs && meta.is_completion) {
      w.field_raw("logprobs", c.legacy_logprobs.to_json());
    } else if (c.has_logprobs) {
      w.key("logprobs").begin_object().key("content").begin_array();
      for (const auto& item : c.logprob_items) w.raw(item);
      w.end_array().end_object();
    } else {
      w.field_null("logprobs");
    }
    std::string finish = c.finish_reason.empty() ? "stop" : c.finish_reason;
    w.field("finish_reason", finish);
    if (c.native_finish_reason.empty()) w.field_null("native_finish_reason");
    else w.field("native_finish_reason", c.native_finish_reason);
    w.end_object();
  }
  w.end_array();
  w.key("usage");
  write_usage(w, usage, cost);
  if (!meta.metadata_json.empty()) w.field_raw("metadata", meta.metadata_json);
  w.end_object();
  return w.take();
}

static void chunk_head(JsonWriter& w, const ResponseMeta& meta) {
  write_head(w, meta, meta.is_completion ? "text_completion" : "chat.completion.chunk");
}

std::string chunk_json(const ResponseMeta& meta, const Event& e) {
  if (e.kind == EventKind::usage || e.kind == EventKind::error) return {};
  JsonWriter w;
  chunk_head(w, meta);
  w.key("choices").begin_array().begin_object().field("index", e.choice_index);
  if (meta.is_completion) {
    w.field("text", e.kind == EventKind::content ? e.text : std::string());
  } else {
    w.key("delta").begin_object();
    switch (e.kind) {
      case EventKind::role: w.field("role", "assistant").field("content", ""); break;
      case EventKind::content: w.field("content", e.text); break;
      case EventKind::tool_call:
        w.key("tool_calls").begin_array().begin_object().field("index", e.tool_call.index);
        if (!e.tool_call.id.empty()) w.field("id", e.tool_call.id).field("type", "function");
        w.key("function").begin_object();
        if (!e.tool_call.name.empty()) w.field("name", e.tool_call.name);
        w.field("arguments", e.tool_call.arguments).end_object();
        w.end_object().end_array();
        break;
      default: break;
    }
    w.end_object();
  }
  if (e.kind == EventKind::logprobs) w.field_raw("logprobs", e.logprobs_json.empty() ? "null" : e.logprobs_json);
  else w.field_null("logprobs");
  if (e.kind == EventKind::finish) {
    w.field("finish_reason", e.finish_reason);
    if (e.native_finish_reason.empty()) w.field_null("native_finish_reason");
    else w.field("native_finish_reason", e.native_finish_reason);
  } else {
    w.field_null("finish_reason").field_null("native_finish_reason");
  }
  w.end_object().end_array().end_object();
  return w.take();
}

std::string usage_chunk_json(const ResponseMeta& meta, const Usage& usage, billing::Picodollars cost) {
  JsonWriter w;
  chunk_head(w, meta);
  w.key("choices").begin_array().end_array();
  w.key("usage");
  write_usage(w, usage, cost);
  if (!meta.metadata_json.empty()) w.field_raw("metadata", meta.metadata_json);
  w.end_object();
  return w.take();
}

std::string error_chunk_json(const ResponseMeta& meta, const Error& error) {
  JsonWriter w;
  chunk_head(w, meta);
  w.key("error").begin_object().field("code", int64_t{http_status(error)}).field("message", error.message);
  if (!error.metadata_json.empty()) w.field_raw("metadata", error.metadata_json);
  w.end_object();
  w.key("choices").begin_array().begin_object().field("index", int64_t{0});
  if (meta.is_completion) w.field("text", "");
  else w.key("delta").begin_object().field("content", "").end_object();
  w.field("finish_reason", "error").field("native_finish_reason", "error").end_object().end_array();
  w.end_object();
  return w.take();
}

}  // namespace switchyard::proxy
