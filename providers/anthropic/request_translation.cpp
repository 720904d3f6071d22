#include "providers/anthropic/request_translation.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "providers/json_writer.h"

namespace switchyard::anthropic {
namespace {

using simdjson::dom::element;

// One Anthropic turn: a role and its content blocks, each already serialized.
struct Turn {
  std::string role;  // user | assistant
  std::vector<std::string> blocks;
};

std::unexpected<Error> bad(const std::string& param, const std::string& what) {
  JsonWriter meta;
  meta.begin_object().field("param", param).end_object();
  return fail(ErrorKind::invalid_argument, param + ": " + what, meta.take());
}

std::string text_block(std::string_view text, std::string_view cache_control_json) {
  JsonWriter w;
  w.begin_object().field("type", "text").field("text", text);
  if (!cache_control_json.empty()) w.field_raw("cache_control", cache_control_json);
  return w.end_object().take();
}

// data:<media type>;base64,<payload>  ->  {"type":"base64","media_type":..,"data":..}
Result<std::string> image_source(std::string_view url, const std::string& param) {
  if (url.starts_with("http://") || url.starts_with("https://")) {
    JsonWriter w;
    return w.begin_object().field("type", "url").field("url", url).end_object().take();
  }
  if (!url.starts_with("data:")) return bad(param, "image url must be http(s) or a data: URL");
  const size_t comma = url.find(',');
  if (comma == std::string_view::npos) return bad(param, "malformed data: URL");
  std::string_view header = url.substr(5, comma - 5);  // e.g. image/png;base64
  constexpr std::string_view kBase64 = ";base64";
  if (!header.ends_with(kBase64)) return bad(param, "data: URL must be base64-encoded");
  std::string_view media_type = header.substr(0, header.size() - kBase64.size());
  if (media_type.empty()) return bad(param, "data: URL has no media type");
  JsonWriter w;
  return w.begin_object()
      .field("type", "base64")
      .field("media_type", media_type)
      .field("data", url.substr(comma + 1))
      .end_object()
      .take();
}

std::string optional_raw(element parent, const char* key) {
  element v;
  if (parent[key].get(v) != simdjson::SUCCESS || v.is_null()) return {};
  return simdjson::minify(v);
}

// Content (string or array of OpenAI parts) -> Anthropic blocks. Empty text is dropped:
// Anthropic rejects empty text blocks.
Result<void> append_content(const Message& m, const std::string& param, bool allow_images,
                            std::vector<std::string>& blocks) {
  if (!m.content_is_array) {
    if (!m.text.empty()) blocks.push_back(text_block(m.text, {}));
    return {};
  }
  simdjson::dom::parser parser;
  simdjson::dom::array parts;
  if (parser.parse(m.content_json).get(parts) != simdjson::SUCCESS)
    return bad(param + ".content", "expected an array of content parts");
  size_t i = 0;
  for (element part : parts) {
    const std::string part_param = param + ".content[" + std::to_string(i++) + "]";
    std::string_view type;
    if (part["type"].get(type) != simdjson::SUCCESS) return bad(part_param, "part has no type");
    if (type == "text") {
      std::string_view text;
      if (part["text"].get(text) != simdjson::SUCCESS) return bad(part_param, "text part has no text");
      if (!text.empty()) blocks.push_back(text_block(text, optional_raw(part, "cache_control")));
    } else if (type == "image_url" && allow_images) {
      std::string_view url;
      element image_url;
      // {"image_url":{"url":...}} per OpenAI; a bare string is accepted too.
      if (part["image_url"].get(image_url) == simdjson::SUCCESS && image_url.get(url) != simdjson::SUCCESS)
        if (image_url["url"].get(url) != simdjson::SUCCESS) url = {};
      if (url.empty()) return bad(part_param, "image_url part has no url");
      auto source = image_source(url, part_param);
      if (!source) return std::unexpected(source.error());
      JsonWriter w;
      w.begin_object().field("type", "image").field_raw("source", *source);
      if (auto cc = optional_raw(part, "cache_control"); !cc.empty()) w.field_raw("cache_control", cc);
      blocks.push_back(w.end_object().take());
    } else {
      return bad(part_param, "content part type \"" + std::string(type) + "\" is not supported by anthropic");
    }
  }
  return {};
}

// Anthropic wants `input` as a JSON object; models sometimes send "" for no arguments.
Result<std::string> tool_input(const std::string& arguments, const std::string& param) {
  if (arguments.find_first_not_of(" \t\r\n") == std::string::npos) return std::string("{}");
  simdjson::dom::parser parser;
  element v;
  if (parser.parse(arguments).get(v) != simdjson::SUCCESS) return bad(param, "arguments are not valid JSON");
  if (!v.is_object()) return bad(param, "arguments must be a JSON object");
  return simdjson::minify(v);
}

void push_turn(std::vector<Turn>& turns, const char* role, std::vector<std::string>&& blocks) {
  if (blocks.empty()) return;
  // Anthropic requires alternating roles: consecutive same-role turns become one.
  if (!turns.empty() && turns.back().role == role) {
    for (auto& b : blocks) turns.back().blocks.push_back(std::move(b));
    return;
  }
  turns.push_back(Turn{role, std::move(blocks)});
}

struct SystemPart {
  std::string text;
  std::string cache_control_json;
};

Result<void> append_system(const Message& m, const std::string& param, std::vector<SystemPart>& parts) {
  if (!m.content_is_array) {
    if (!m.text.empty()) parts.push_back({m.text, {}});
    return {};
  }
  std::vector<std::string> blocks;
  if (auto r = append_content(m, param, /*allow_images=*/false, blocks); !r) return r;
  simdjson::dom::parser parser;
  for (const auto& b : blocks) {
    element e;
    std::string_view text;
    if (parser.parse(b).get(e) != simdjson::SUCCESS || e["text"].get(text) != simdjson::SUCCESS) continue;
    parts.push_back({std::string(text), optional_raw(e, "cache_control")});
  }
  return {};
}

Result<std::vector<Turn>> build_turns(const ChatRequest& req, std::vector<SystemPart>& system) {
  std::vector<Turn> turns;
  if (req.is_completion) {
    if (!req.prompt.empty()) push_turn(turns, "user", {text_block(req.prompt, {})});
    return turns;
  }
  for (size_t i = 0; i < req.messages.size(); ++i) {
    const Message& m = req.messages[i];
    const std::string param = "messages[" + std::to_string(i) + "]";
    std::vector<std::string> blocks;
    if (m.role == "system" || m.role == "developer") {
      // Anthropic has one top-level system prompt; system turns anywhere are hoisted.
      if (auto r = append_system(m, param, system); !r) return std::unexpected(r.error());
    } else if (m.role == "user") {
      if (auto r = append_content(m, param, true, blocks); !r) return std::unexpected(r.error());
      push_turn(turns, "user", std::move(blocks));
    } else if (m.role == "assistant") {
      if (!m.content_is_null) {
        Message prefill;
        const Message* content = &m;
        // A final assistant turn is a prefill, and Anthropic rejects one ending in whitespace.
        if (i + 1 == req.messages.size() && !m.content_is_array) {
          prefill = m;
          prefill.text.erase(prefill.text.find_last_not_of(" \t\r\n") + 1);
          content = &prefill;
        }
        if (auto r = append_content(*content, param, false, blocks); !r) return std::unexpected(r.error());
      }
      for (size_t t = 0; t < m.tool_calls.size(); ++t) {
        const ToolCall& tc = m.tool_calls[t];
        auto input = tool_input(tc.arguments, param + ".tool_calls[" + std::to_string(t) + "].function.arguments");
        if (!input) return std::unexpected(input.error());
        JsonWriter w;
        w.begin_object().field("type", "tool_use").field("id", tc.id).field("name", tc.name);
        blocks.push_back(w.field_raw("input", *input).end_object().take());
      }
      push_turn(turns, "assistant", std::move(blocks));
    } else if (m.role == "tool") {
      // Tool results travel in a user turn; merged with neighbouring results/user text.
      JsonWriter w;
      w.begin_object().field("type", "tool_result").field("tool_use_id", m.tool_call_id);
      if (!m.text.empty()) w.field("content", m.text);
      blocks.push_back(w.end_object().take());
      push_turn(turns, "user", std::move(blocks));
    } else {
      return bad(param + ".role", "unknown role \"" + m.role + "\"");
    }
  }
  return turns;
}

void write_system(JsonWriter& w, const std::vector<SystemPart>& parts) {
  if (parts.empty()) return;
  const bool cached = std::any_of(parts.begin(), parts.end(),
                                  [](const SystemPart& p) { return !p.cache_control_json.empty(); });
  if (!cached) {
    std::string joined;
    for (const auto& p : parts) {
      if (!joined.empty()) joined += "\n\n";
      joined += p.text;
    }
    w.field("system", joined);
    return;
  }
  // cache_control only exists on blocks, so keep the parts as blocks.
  w.key("system").begin_array();
  for (const auto& p : parts) w.raw(text_block(p.text, p.cache_control_json));
  w.end_array();
}

// OpenAI tools [{type:"function",function:{name,description,parameters}}] -> Anthropic tools.
Result<void> write_tools(JsonWriter& w, const std::string& tools_json) {
  simdjson::dom::parser parser;
  simdjson::dom::array tools;
  if (parser.parse(tools_json).get(tools) != simdjson::SUCCESS) return bad("tools", "expected an array");
  w.key("tools").begin_array();
  size_t i = 0;
  for (element tool : tools) {
    const std::string param = "tools[" + std::to_string(i++) + "]";
    element fn;
    std::string_view name;
    if (tool["function"].get(fn) != simdjson::SUCCESS || fn["name"].get(name) != simdjson::SUCCESS)
      return bad(param, "expected {type:\"function\",function:{name,...}}");
    w.begin_object().field("name", name);
    std::string_view description;
    if (fn["description"].get(description) == simdjson::SUCCESS) w.field("description", description);
    std::string schema = optional_raw(fn, "parameters");
    // input_schema is required by Anthropic; a parameterless function takes an empty object.
    w.field_raw("input_schema", schema.empty() ? std::string(R"({"type":"object","properties":{}})") : schema);
    if (auto cc = optional_raw(tool, "cache_control"); !cc.empty()) w.field_raw("cache_control", cc);
    w.end_object();
  }
  w.end_array();
  return {};
}

Result<void> write_tool_choice(JsonWriter& w, const ChatRequest& req) {
  std::string type = "auto", name;
  if (!req.tool_choice_json.empty()) {
    simdjson::dom::parser parser;
    element choice;
    if (parser.parse(req.tool_choice_json).get(choice) != simdjson::SUCCESS)
      return bad("tool_choice", "invalid JSON");
    std::string_view s, n;
    if (choice.get(s) == simdjson::SUCCESS) {
      if (s == "auto") type = "auto";
      else if (s == "required") type = "any";
      else if (s == "none") type = "none";
      else return bad("tool_choice", "expected auto, required, none or {function:{name}}");
    } else if (choice["function"]["name"].get(n) == simdjson::SUCCESS) {
      type = "tool";
      name = n;
    } else {
      return bad("tool_choice", "expected auto, required, none or {function:{name}}");
    }
  } else if (req.parallel_tool_calls.value_or(true)) {
    return {};  // Anthropic's default is auto with parallel use allowed: nothing to say.
  }
  w.key("tool_choice").begin_object().field("type", type);
  if (!name.empty()) w.field("name", name);
  // "none" takes no options; parallel_tool_calls only restricts when tools may be used.
  if (type != "none" && req.parallel_tool_calls == false) w.field("disable_parallel_tool_use", true);
  w.end_object();
  return {};
}

}  // namespace

Result<std::string> build_messages_body(const OpenParams& params) {
  if (!params.request || !params.endpoint)
    return fail(ErrorKind::internal, "anthropic: OpenParams without request or endpoint");
  const ChatRequest& req = *params.request;

  std::vector<SystemPart> system;
  auto turns = build_turns(req, system);
  if (!turns) return std::unexpected(turns.error());

  // max_tokens is required by Anthropic. The proxy resolves it; the fallbacks only keep a
  // direct caller (tests, tools) from sending an invalid request.
  int64_t max_tokens = params.max_tokens;
  if (max_tokens <= 0) max_tokens = req.sampling.max_tokens.value_or(0);
  if (max_tokens <= 0) max_tokens = params.endpoint->max_completion_tokens;
  if (max_tokens <= 0) max_tokens = 4096;

  JsonWriter w;
  w.begin_object().field("model", params.endpoint->upstream_model);
  write_system(w, system);
  w.key("messages").begin_array();
  for (const Turn& t : *turns) {
    w.begin_object().field("role", t.role).key("content").begin_array();
    for (const auto& b : t.blocks) w.raw(b);
    w.end_array().end_object();
  }
  w.end_array();
  w.field("max_tokens", max_tokens);
  // Anthropic's range is [0, 1]; like OpenRouter we pass min(t, 1) rather than rescaling.
  if (req.sent("temperature")) w.field("temperature", std::min(req.sampling.temperature, 1.0));
  if (req.sent("top_p")) w.field("top_p", req.sampling.top_p);
  if (req.sampling.top_k > 0) w.field("top_k", req.sampling.top_k);
  if (!req.sampling.stop.empty()) {
    w.key("stop_sequences").begin_array();
    for (const auto& s : req.sampling.stop) w.value(s);
    w.end_array();
  }
  // tool_choice without tools is meaningless to Anthropic (and rejected), so both go together.
  if (!req.tools_json.empty()) {
    if (auto r = write_tools(w, req.tools_json); !r) return std::unexpected(r.error());
    if (auto r = write_tool_choice(w, req); !r) return std::unexpected(r.error());
  }
  if (!req.user.empty()) w.key("metadata").begin_object().field("user_id", req.user).end_object();
  if (req.stream) w.field("stream", true);
  w.end_object();
  return w.take();
}

}  // namespace switchyard::anthropic
