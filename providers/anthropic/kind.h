// `kind: anthropic`: Anthropic's Messages API.
#pragma once

#include "providers/registry.h"

namespace switchyard::anthropic {

ProviderKind kind();

}  // namespace switchyard::anthropic
