// Builds the Tokenizer from a GGUF file's tokenizer.ggml.* metadata (model "llama" only).
#pragma once

#include <optional>
#include <string>

#include "local_engine/gguf.h"
#include "local_engine/status.h"
#include "local_engine/tokenizer.h"

namespace switchyard::engine {

Result<VocabData> vocab_from_gguf(const GgufFile& gguf);
Result<Tokenizer> tokenizer_from_gguf(const GgufFile& gguf);

// tokenizer.chat_template, if present.
std::optional<std::string> chat_template_from_gguf(const GgufFile& gguf);

}  // namespace switchyard::engine
