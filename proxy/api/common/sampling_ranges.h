// The ranges of the sampling parameters, as the OpenAI/OpenRouter API reference gives them:
// one place for every ingress that takes a parameter with the same meaning (chat,
// completions, responses).
#pragma once

#include "proxy/api/common/json_fields.h"

namespace switchyard::proxy::sampling_ranges {

inline constexpr json_fields::Range temperature{0, 2};
inline constexpr json_fields::Range top_p{0, 1, true, false};
inline constexpr json_fields::Range min_p{0, 1};
inline constexpr json_fields::Range top_a{0, 1};
inline constexpr json_fields::Range frequency_penalty{-2, 2};
inline constexpr json_fields::Range presence_penalty{-2, 2};
inline constexpr json_fields::Range repetition_penalty{0, 2, true, false};

}  // namespace switchyard::proxy::sampling_ranges
