// `switchyard generate` argument handling and a run over a demo model.
#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

#include "local_engine/demo_model.h"
#include "tools/generate.h"

namespace {

int run(std::vector<std::string> args) {
  args.insert(args.begin(), "generate");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return generate_main(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("generate: help, bad arguments, a real run", "[engine][generate]") {
  CHECK(run({"--help"}) == 0);
  CHECK(run({}) == 2);
  CHECK(run({"--model", "x.gguf", "--prompt", "hi", "--max-tokens", "zero"}) == 2);
  CHECK(run({"--model", "/nonexistent.gguf", "--prompt", "hi"}) == 1);

  const std::string path = (std::filesystem::temp_directory_path() /
                            ("switchyard_generate_test_" + std::to_string(::getpid()) + ".gguf")).string();
  switchyard::engine::DemoModelParams p;
  p.n_threads = 2;
  REQUIRE(switchyard::engine::write_demo_model(path, p).has_value());
  CHECK(run({"--model", path, "--prompt", "Hello there", "--max-tokens", "8", "--threads", "2", "--ignore-eos"}) == 0);
  CHECK(run({"--model", path, "--prompt", "Hello", "--max-tokens", "4", "--template", "raw", "--temperature", "0.7",
             "--seed", "3", "--threads", "2"}) == 0);
  CHECK(run({"--model", path, "--prompt", "Hello", "--template", "nope"}) == 1);
  CHECK(run({"--model", path, "--prompt", "Hello", "--max-tokens", "2", "--device", "cpu", "--threads", "2"}) == 0);
  CHECK(run({"--model", path, "--prompt", "Hello", "--device", "tpu"}) == 1);  // refused by the engine
  CHECK(run({"--model", path, "--prompt", "JSON please", "--json", "--max-tokens", "40", "--threads", "2"}) == 0);
  CHECK(run({"--model", path, "--prompt", "Pick", "--schema", R"({"enum":["a","b"]})", "--threads", "2"}) == 0);
  CHECK(run({"--model", path, "--prompt", "Pick", "--schema", R"({"type":"string","format":"uri"})", "--threads", "2"}) == 1);
  std::filesystem::remove(path);
}
