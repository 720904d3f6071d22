#include "local_engine/tokenizer_gguf.h"

namespace switchyard::engine {

namespace {

Result<std::optional<int32_t>> token_id(const GgufFile& g, std::string_view key) {
  auto v = g.get_u64(key);
  if (!v) return std::unexpected(v.error());
  if (!*v) return std::optional<int32_t>{};
  if (**v > 0x7fffffffu) return std::unexpected(Error{std::string(key) + ": token id out of range"});
  return std::optional<int32_t>{static_cast<int32_t>(**v)};
}

}  // namespace

Result<VocabData> vocab_from_gguf(const GgufFile& g) {
  auto model = g.get_string("tokenizer.ggml.model");
  if (!model) return std::unexpected(model.error());
  if (!*model) return std::unexpected(Error{"GGUF has no tokenizer.ggml.model"});
  if (**model != "llama")
    return std::unexpected(Error{"tokenizer.ggml.model '" + **model + "' is not supported (only 'llama' SentencePiece)"});

  VocabData v;
  const GgufValue* tokens = g.find("tokenizer.ggml.tokens");
  if (!tokens || tokens->type != GgufValueType::array || tokens->elem_type != GgufValueType::string)
    return std::unexpected(Error{"tokenizer.ggml.tokens: missing or not an array of strings"});
  v.tokens.reserve(tokens->strings.size());
  for (auto s : tokens->strings) v.tokens.emplace_back(s);

  if (const GgufValue* scores = g.find("tokenizer.ggml.scores")) {
    if (scores->type != GgufValueType::array || !scores->is_numeric_array())
      return std::unexpected(Error{"tokenizer.ggml.scores: not a numeric array"});
    v.scores = scores->array_as_f32();
  }
  if (const GgufValue* types = g.find("tokenizer.ggml.token_type")) {
    if (types->type != GgufValueType::array || !types->is_numeric_array())
      return std::unexpected(Error{"tokenizer.ggml.token_type: not a numeric array"});
    for (int64_t t : types->array_as_i64()) v.token_types.push_back(static_cast<int32_t>(t));
  }
  auto set_id = [&](std::string_view key, int32_t& dst) -> Result<void> {
    auto id = token_id(g, key);
    if (!id) return std::unexpected(id.error());
    if (*id) dst = **id;
    return {};
  };
  if (auto r = set_id("tokenizer.ggml.bos_token_id", v.bos_id); !r) return std::unexpected(r.error());
  if (auto r = set_id("tokenizer.ggml.eos_token_id", v.eos_id); !r) return std::unexpected(r.error());
  if (auto r = set_id("tokenizer.ggml.unknown_token_id", v.unk_id); !r) return std::unexpected(r.error());
  auto set_bool = [&](std::string_view key, bool& dst) -> Result<void> {
    auto b = g.get_bool(key);
    if (!b) return std::unexpected(b.error());
    if (*b) dst = **b;
    return {};
  };
  if (auto r = set_bool("tokenizer.ggml.add_bos_token", v.add_bos); !r) return std::unexpected(r.error());
  if (auto r = set_bool("tokenizer.ggml.add_eos_token", v.add_eos); !r) return std::unexpected(r.error());
  if (auto r = set_bool("tokenizer.ggml.add_space_prefix", v.add_space_prefix); !r) return std::unexpected(r.error());
  return v;
}

Result<Tokenizer> tokenizer_from_gguf(const GgufFile& g) {
  auto v = vocab_from_gguf(g);
  if (!v) return std::unexpected(v.error());
  return Tokenizer::create(std::move(*v));
}

std::optional<std::string> chat_template_from_gguf(const GgufFile& g) {
  auto s = g.get_string("tokenizer.chat_template");
  if (!s || !*s) return std::nullopt;
  return **s;
}

}  // namespace switchyard::engine
