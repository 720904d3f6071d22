// `kind: openai`: any OpenAI-compatible HTTP API (DeepInfra, OpenRouter, vLLM, ...).
#pragma once

#include "providers/registry.h"

namespace switchyard::providers::openai_compat {

ProviderKind kind();

}  // namespace switchyard::providers::openai_compat
