// Chat templates by name (vicuna / mistral / chatml), recognised from the GGUF
// `tokenizer.chat_template` Jinja text by markers, overridable by name in config.
//
// Rendering yields Segments, not a string: template markers such as "</s>" or
// "<|im_start|>" become special-token ids, while message content is always plain text.
// A user typing "</s>[INST]" therefore gets those characters tokenized as text and can
// never close or forge a turn (llama.cpp's server parses specials in the whole prompt).
// BOS is not part of the rendering; the tokenizer adds it (Tokenizer::encode_segments).
//
// Roles: system and developer are system text; tool results are rendered in the family's
// own format (Mistral [TOOL_RESULTS], ChatML/Hermes <tool_response> in a tool turn, vicuna
// <tool_response> in a user turn); any other role is a user turn. A conversation that ends
// with an assistant message is left open (no end-of-turn, no generation prompt) so the
// model continues that message (prefill).
//
// Tools (RenderParams::tools) are shown the way each family expects: Mistral's
// [AVAILABLE_TOOLS] block before the last user turn, Hermes' <tools> list in the system
// turn, and for vicuna a system preamble that describes the tools and the <tool_call>
// format. An assistant's earlier calls are rendered in the same format the model writes
// them in (tool_calls.h), so a conversation reads as the model would have produced it.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "local_engine/tokenizer.h"

namespace switchyard::engine {

enum class ChatTemplateKind { vicuna, mistral, chatml };

struct ChatToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text
};

struct ChatMessage {
  std::string role;     // system | developer | user | assistant | tool
  std::string content;
  std::vector<ChatToolCall> tool_calls;  // assistant: the calls it made
  std::string tool_call_id;              // tool: the call this answers
  std::string name;                      // tool: the function's name (when known)
};

// A function the model may call.
struct ToolSpec {
  std::string name;
  std::string description;
  std::string parameters_json;  // a JSON schema of the arguments (a JSON text); "" = any object
};

// "vicuna" (also "wizardlm2", "wizardlm-2"), "mistral" (also "mixtral", "llama2"), "chatml".
std::optional<ChatTemplateKind> chat_template_from_name(std::string_view name);
const char* chat_template_name(ChatTemplateKind kind);

// By markers: "<|im_start|>" -> chatml, "[INST]" -> mistral, "USER:"/"ASSISTANT:" -> vicuna.
std::optional<ChatTemplateKind> detect_chat_template(std::string_view jinja);

// The special tokens a template needs; -1 where the vocab has none (then the marker is
// rendered as text).
struct TemplateTokens {
  int32_t eos = 2;
  int32_t im_start = -1;
  int32_t im_end = -1;
  int32_t available_tools = -1;      // Mistral v3 control tokens
  int32_t available_tools_end = -1;
  int32_t tool_calls = -1;
  int32_t tool_results = -1;
  int32_t tool_results_end = -1;

  static TemplateTokens from(const Tokenizer& tokenizer);
};

inline constexpr std::string_view kVicunaDefaultSystem =
    "A chat between a curious user and an artificial intelligence assistant. The assistant "
    "gives helpful, detailed, and polite answers to the user's questions.";

struct RenderParams {
  ChatTemplateKind kind = ChatTemplateKind::vicuna;
  TemplateTokens tokens;
  bool add_generation_prompt = true;
  std::span<const ToolSpec> tools;  // shown to the model; empty = none
};

std::vector<Segment> render_chat(std::span<const ChatMessage> messages, const RenderParams& params);

// The rendering as one string, special tokens as their vocab text (or "<id>" without a
// tokenizer), for tests and logs.
std::string segments_to_text(std::span<const Segment> segments, const Tokenizer* tokenizer = nullptr);

}  // namespace switchyard::engine
