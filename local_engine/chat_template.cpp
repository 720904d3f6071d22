#include "local_engine/chat_template.h"

#include "local_engine/chat_render.h"

namespace switchyard::engine {

std::optional<ChatTemplateKind> chat_template_from_name(std::string_view name) {
  if (name == "vicuna" || name == "wizardlm2" || name == "wizardlm-2") return ChatTemplateKind::vicuna;
  if (name == "mistral" || name == "mixtral" || name == "llama2") return ChatTemplateKind::mistral;
  if (name == "chatml") return ChatTemplateKind::chatml;
  return std::nullopt;
}

const char* chat_template_name(ChatTemplateKind kind) {
  switch (kind) {
    case ChatTemplateKind::vicuna: return "vicuna";
    case ChatTemplateKind::mistral: return "mistral";
    case ChatTemplateKind::chatml: return "chatml";
  }
  return "vicuna";
}

std::optional<ChatTemplateKind> detect_chat_template(std::string_view jinja) {
  if (jinja.find("<|im_start|>") != std::string_view::npos) return ChatTemplateKind::chatml;
  if (jinja.find("[INST]") != std::string_view::npos) return ChatTemplateKind::mistral;
  if (jinja.find("USER:") != std::string_view::npos || jinja.find("ASSISTANT:") != std::string_view::npos)
    return ChatTemplateKind::vicuna;
  return std::nullopt;
}

TemplateTokens TemplateTokens::from(const Tokenizer& tokenizer) {
  TemplateTokens t;
  t.eos = tokenizer.eos_id();
  auto special = [&](std::string_view text) -> int32_t {
    auto id = tokenizer.find_token(text);
    if (!id) return -1;
    const TokenType ty = tokenizer.token_type(*id);
    return (ty == TokenType::control || ty == TokenType::user_defined) ? *id : -1;
  };
  t.im_start = special("<|im_start|>");
  t.im_end = special("<|im_end|>");
  t.available_tools = special("[AVAILABLE_TOOLS]");
  t.available_tools_end = special("[/AVAILABLE_TOOLS]");
  t.tool_calls = special("[TOOL_CALLS]");
  t.tool_results = special("[TOOL_RESULTS]");
  t.tool_results_end = special("[/TOOL_RESULTS]");
  return t;
}

std::vector<Segment> render_chat(std::span<const ChatMessage> messages, const RenderParams& params) {
  switch (params.kind) {
    case ChatTemplateKind::vicuna: return render_vicuna(messages, params);
    case ChatTemplateKind::mistral: return render_mistral(messages, params);
    case ChatTemplateKind::chatml: return render_chatml(messages, params);
  }
  return {};
}

std::string segments_to_text(std::span<const Segment> segments, const Tokenizer* tokenizer) {
  std::string s;
  for (const auto& seg : segments) {
    if (!seg.is_token()) {
      s += seg.text;
    } else if (tokenizer && seg.special_id < tokenizer->n_vocab()) {
      s += tokenizer->token_text(seg.special_id);
    } else {
      s += '<';
      s += std::to_string(seg.special_id);
      s += '>';
    }
  }
  return s;
}

}  // namespace switchyard::engine
