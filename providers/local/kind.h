// `kind: local`: the in-process Mixture-of-Experts engine.
#pragma once

#include "providers/registry.h"

namespace switchyard::providers::local {

ProviderKind kind();

}  // namespace switchyard::providers::local
