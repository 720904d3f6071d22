// The local engine registry: providers with the same model and settings share one engine
// (a config reload that leaves them alone does not reload the weights); changed settings
// get an engine of their own.
#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

#include "local_engine/demo_model.h"
#include "providers/local/local_provider.h"

using namespace switchyard;

TEST_CASE("local engines are shared by settings, not just by path", "[local_provider]") {
  std::string path = "/tmp/switchyard-reuse-" + std::to_string(::getpid()) + ".gguf";
  engine::DemoModelParams params;
  params.n_ctx = 256;
  REQUIRE(engine::write_demo_model(path, params).has_value());
  ProviderConfig a;
  a.name = "local";
  a.kind = "local";
  a.model_path = path;
  a.threads = 1;
  a.context_length = 128;
  a.max_sequences = 1;
  a.device = "cpu";
  auto first = providers::local::acquire_local_engine(a);
  REQUIRE(first.has_value());
  ProviderConfig renamed = a;
  renamed.name = "local-again";  // a reload builds a new provider with the same settings
  auto same = providers::local::acquire_local_engine(renamed);
  REQUIRE(same.has_value());
  CHECK(same->get() == first->get());
  ProviderConfig changed = a;
  changed.max_sequences = 2;
  auto other = providers::local::acquire_local_engine(changed);
  REQUIRE(other.has_value());
  CHECK(other->get() != first->get());
  CHECK((*other)->info().n_seq_max == 2);
  std::filesystem::remove(path);
}
