// The provider kinds: one description each, looked up by the config's `kind:`.
#include <catch2/catch.hpp>

#include "providers/registry.h"

#include <yaml-cpp/yaml.h>

#include "providers/config_reader.h"

using namespace switchyard;

TEST_CASE("every kind is found by name and says what it honours", "[providers][registry]") {
  CHECK(provider_kind_names() == "openai, anthropic, local");
  for (const auto& k : provider_kinds()) {
    INFO(k.name);
    REQUIRE(find_provider_kind(k.name) == &k);
    CHECK(k.read_config != nullptr);
    CHECK(k.make != nullptr);
    CHECK(k.capabilities.supports("max_tokens"));
    CHECK_FALSE(k.capabilities.parameters.empty());
  }
  CHECK(find_provider_kind("grpc") == nullptr);
  // Only OpenAI-compatible upstreams answer n > 1 in one request; only the local engine
  // knows its tokenizer.
  CHECK(find_provider_kind("openai")->capabilities.max_choices == 128);
  CHECK_FALSE(find_provider_kind("anthropic")->capabilities.multiple_choices());
  CHECK(find_provider_kind("local")->capabilities.multiple_choices());
  ProviderConfig declared;
  declared.max_choices = 2;  // a provider that declares less than its kind allows
  CHECK(max_choices_of(*find_provider_kind("openai"), declared) == 2);
  CHECK(max_choices_of(*find_provider_kind("anthropic"), declared) == 1);
  CHECK(find_provider_kind("local")->capabilities.knows_tokenizer);
  CHECK_FALSE(find_provider_kind("anthropic")->capabilities.supports("logit_bias"));
  CHECK(find_provider_kind("openai")->capabilities.supports("logit_bias"));
}

TEST_CASE("a kind reads its own keys and reports errors by path", "[providers][registry]") {
  YAML::Node n = YAML::Load("{ base_url: 'http://x/v1/', timeouts: { idle_ms: soon } }");
  ProviderConfig pc;
  ConfigReader r("c.yaml");
  find_provider_kind("openai")->read_config(r, n, "providers[0]", pc);
  CHECK(pc.base_url == "http://x/v1");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find("providers[0].timeouts.idle_ms: expected an integer") != std::string::npos);
}
