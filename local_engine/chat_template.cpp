#include "local_engine/chat_template.h"

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
  return t;
}

namespace {

enum class Turn { system, user, assistant };

Turn turn_of(const std::string& role) {
  if (role == "system" || role == "developer") return Turn::system;
  if (role == "assistant") return Turn::assistant;
  return Turn::user;
}

std::string content_of(const ChatMessage& m) {
  if (m.role == "tool") return "Tool result:\n" + m.content;
  return m.content;
}

class Out {
 public:
  void text(std::string_view s) {
    if (s.empty()) return;
    if (!segs_.empty() && !segs_.back().is_token()) segs_.back().text += s;
    else segs_.push_back(Segment::of_text(std::string(s)));
  }
  // A special token, or its text when the vocab lacks it.
  void special(int32_t id, std::string_view fallback_text) {
    if (id >= 0) segs_.push_back(Segment::of_token(id));
    else text(fallback_text);
  }
  bool ends_with_token() const { return !segs_.empty() && segs_.back().is_token(); }
  bool empty() const { return segs_.empty(); }
  std::vector<Segment> take() { return std::move(segs_); }

 private:
  std::vector<Segment> segs_;
};

std::string joined_system(std::span<const ChatMessage> messages, bool* any) {
  std::string s;
  *any = false;
  for (const auto& m : messages) {
    if (turn_of(m.role) != Turn::system) continue;
    if (*any) s += "\n\n";
    s += m.content;
    *any = true;
  }
  return s;
}

bool last_is_assistant(std::span<const ChatMessage> messages) {
  for (size_t i = messages.size(); i > 0; --i) {
    const Turn t = turn_of(messages[i - 1].role);
    if (t == Turn::system) continue;
    return t == Turn::assistant;
  }
  return false;
}

// WizardLM-2 / Vicuna v1.1:
// "{system} USER: {user} ASSISTANT: {assistant}</s>USER: {user} ASSISTANT:"
// All system messages are joined and lead; the default system line is used when none.
std::vector<Segment> render_vicuna(std::span<const ChatMessage> messages, const RenderParams& p) {
  Out out;
  bool any_system = false;
  const std::string system = joined_system(messages, &any_system);
  out.text(any_system ? std::string_view(system) : kVicunaDefaultSystem);
  auto sep = [&] {
    if (!out.empty() && !out.ends_with_token()) out.text(" ");
  };
  const bool open_last = last_is_assistant(messages);
  size_t n_turns = 0;
  for (const auto& m : messages) n_turns += turn_of(m.role) != Turn::system;
  size_t k = 0;
  for (const auto& m : messages) {
    const Turn t = turn_of(m.role);
    if (t == Turn::system) continue;
    ++k;
    sep();
    if (t == Turn::user) {
      out.text("USER: ");
      out.text(content_of(m));
    } else {
      out.text("ASSISTANT: ");
      out.text(m.content);
      if (!(open_last && k == n_turns)) out.special(p.tokens.eos, "</s>");
    }
  }
  if (p.add_generation_prompt && !open_last) {
    sep();
    out.text("ASSISTANT:");
  }
  return out.take();
}

// Mistral / Mixtral instruct: "[INST] {user} [/INST]{assistant}</s>[INST] {user} [/INST]";
// the system text is prepended to the first user turn ("{system}\n\n{user}").
std::vector<Segment> render_mistral(std::span<const ChatMessage> messages, const RenderParams& p) {
  Out out;
  bool any_system = false;
  std::string system = joined_system(messages, &any_system);
  const bool open_last = last_is_assistant(messages);
  size_t n_turns = 0;
  for (const auto& m : messages) n_turns += turn_of(m.role) != Turn::system;
  size_t k = 0;
  bool system_pending = any_system;
  for (const auto& m : messages) {
    const Turn t = turn_of(m.role);
    if (t == Turn::system) continue;
    ++k;
    if (t == Turn::user) {
      out.text("[INST] ");
      if (system_pending) {
        out.text(system);
        out.text("\n\n");
        system_pending = false;
      }
      out.text(content_of(m));
      out.text(" [/INST]");
    } else {
      out.text(m.content);
      if (!(open_last && k == n_turns)) out.special(p.tokens.eos, "</s>");
    }
  }
  if (system_pending) {  // system but no user turn: it becomes the instruction
    out.text("[INST] ");
    out.text(system);
    out.text(" [/INST]");
  }
  return out.take();  // the prompt already ends with "[/INST]": nothing to add
}

// ChatML: "<|im_start|>{role}\n{content}<|im_end|>\n" ... "<|im_start|>assistant\n".
std::vector<Segment> render_chatml(std::span<const ChatMessage> messages, const RenderParams& p) {
  Out out;
  const bool open_last = last_is_assistant(messages);
  size_t last_turn = messages.size();
  for (size_t i = 0; i < messages.size(); ++i)
    if (turn_of(messages[i].role) != Turn::system) last_turn = i;
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    const Turn t = turn_of(m.role);
    const char* role = t == Turn::system ? "system" : t == Turn::user ? "user" : "assistant";
    out.special(p.tokens.im_start, "<|im_start|>");
    out.text(role);
    out.text("\n");
    out.text(content_of(m));
    if (open_last && i == last_turn) break;
    out.special(p.tokens.im_end, "<|im_end|>");
    out.text("\n");
  }
  if (p.add_generation_prompt && !open_last) {
    out.special(p.tokens.im_start, "<|im_start|>");
    out.text("assistant\n");
  }
  return out.take();
}

}  // namespace

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
