#include "proxy/pipeline/usage_estimate.h"

namespace switchyard::proxy {

int64_t estimate_tokens(size_t bytes) { return static_cast<int64_t>((bytes + 3) / 4); }

int64_t estimate_prompt_tokens(const ChatRequest& r) {
  size_t bytes = r.prompt.size() + r.tools_json.size();
  for (const auto& m : r.messages) {
    bytes += m.text.size() + 16;  // role and framing tokens
    for (const auto& t : m.tool_calls) bytes += t.name.size() + t.arguments.size();
  }
  return estimate_tokens(bytes);
}

int64_t prompt_token_upper_bound(const ChatRequest& r) {
  constexpr int64_t kPerMessage = 8;   // role and template tokens
  constexpr int64_t kPerImage = 1600;  // the most a provider charges for one image
  int64_t n = static_cast<int64_t>(r.prompt.size() + r.tools_json.size()) + kPerMessage;
  for (const auto& m : r.messages) {
    n += static_cast<int64_t>(m.text.size()) + kPerMessage;
    for (const auto& t : m.tool_calls) n += static_cast<int64_t>(t.name.size() + t.arguments.size());
    for (size_t at = m.content_json.find("\"image_url\""); at != std::string::npos;
         at = m.content_json.find("\"image_url\"", at + 1))
      n += kPerImage;
  }
  return n;
}

Usage final_usage(const std::optional<Usage>& reported, const ChatRequest& r, size_t generated) {
  if (reported) return *reported;
  Usage u;
  u.prompt_tokens = estimate_prompt_tokens(r);
  u.completion_tokens = estimate_tokens(generated);
  u.estimated = true;
  return u;
}

Usage abandoned_usage(const PartialUsage& counted, const ChatRequest& r, size_t generated) {
  Usage u = final_usage(std::nullopt, r, generated);
  if (counted.prompt_tokens) {
    u.prompt_tokens = *counted.prompt_tokens;
    u.cached_tokens = counted.cached_tokens;
  }
  if (counted.completion_tokens) u.completion_tokens = *counted.completion_tokens;
  u.estimated = !counted.prompt_tokens || !counted.completion_tokens;
  return u;
}

size_t generated_bytes(const Event& e) {
  if (e.kind == EventKind::content) return e.text.size();
  if (e.kind == EventKind::tool_call) return e.tool_call.arguments.size() + e.tool_call.name.size();
  return 0;
}

}  // namespace switchyard::proxy
