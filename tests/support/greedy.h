// Greedy generation through the Engine API, for tests comparing engines or devices.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "local_engine/engine.h"

namespace test {

// The ids of n greedy tokens after a raw prompt (EOS ignored); fails the test on an error.
inline std::vector<int32_t> greedy_ids(switchyard::engine::Engine& e, const std::string& prompt, int n) {
  using namespace switchyard::engine;
  GenerationRequest r;
  r.prompt = prompt;
  r.max_tokens = n;
  r.ignore_eos = true;
  r.sampling.temperature = 0;
  auto g = e.submit(r);
  REQUIRE(g.has_value());
  std::vector<int32_t> ids;
  while (auto ev = (*g)->next()) {
    REQUIRE(ev->kind != GenerationEvent::Kind::error);
    if (ev->token) ids.push_back(ev->token->id);
  }
  return ids;
}

}  // namespace test
