// The random-weight demo model, written once per test process to /tmp, and engines over it.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

#include "local_engine/demo_model.h"
#include "local_engine/engine.h"

namespace switchyard::engine::test {

struct TempFile {
  std::string path;
  ~TempFile() { std::filesystem::remove(path); }
};

inline std::string demo_model_path() {
  static const TempFile file{[] {
    const std::string p = (std::filesystem::temp_directory_path() /
                           ("switchyard_engine_test_" + std::to_string(::getpid()) + ".gguf")).string();
    DemoModelParams params;
    params.n_threads = 2;
    auto ok = write_demo_model(p, params);
    REQUIRE(ok.has_value());
    return p;
  }()};
  return file.path;
}

inline std::unique_ptr<Engine> open_demo_engine(int n_ctx = 512, int max_sequences = 2) {
  EngineOptions o;
  o.model_path = demo_model_path();
  o.threads = 2;
  o.n_ctx = n_ctx;
  o.max_sequences = max_sequences;
  auto e = Engine::open(o);
  REQUIRE(e.has_value());
  return std::move(*e);
}

}  // namespace switchyard::engine::test
