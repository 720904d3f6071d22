// Usage of a stream abandoned before its usage event: counted where the provider counted.
#include <catch2/catch.hpp>

#include "proxy/pipeline/usage_estimate.h"

using namespace switchyard;
using namespace switchyard::proxy;

namespace {

ChatRequest request_of(const std::string& text) {
  ChatRequest r;
  Message m;
  m.role = "user";
  m.text = text;
  r.messages.push_back(m);
  return r;
}

}  // namespace

TEST_CASE("an abandoned stream bills the provider's exact counts, unflagged", "[usage]") {
  ChatRequest r = request_of(std::string(400, 'x'));
  Usage u = abandoned_usage(PartialUsage{80, 16, 7}, r, 1000);
  CHECK(u.prompt_tokens == 80);
  CHECK(u.cached_tokens == 16);
  CHECK(u.completion_tokens == 7);
  CHECK_FALSE(u.estimated);
}

TEST_CASE("an abandoned stream estimates what the provider did not count, flagged", "[usage]") {
  ChatRequest r = request_of(std::string(400, 'x'));
  Usage prompt_only = abandoned_usage(PartialUsage{80, 0, std::nullopt}, r, 40);
  CHECK(prompt_only.prompt_tokens == 80);
  CHECK(prompt_only.completion_tokens == estimate_tokens(40));
  CHECK(prompt_only.estimated);
  Usage nothing = abandoned_usage(PartialUsage{}, r, 40);
  CHECK(nothing.prompt_tokens == estimate_prompt_tokens(r));
  CHECK(nothing.completion_tokens == 10);
  CHECK(nothing.estimated);
}
