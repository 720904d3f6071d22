// Device selection: `device: auto | cpu | cuda:N`, and the CPU fallback with its reason
// when no GPU can be used. Each case asserts whichever branch this machine takes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

#include "local_engine/cuda/cuda_engine.h"
#include "local_engine/demo_model.h"
#include "local_engine/engine.h"
#include "support/greedy.h"

using namespace switchyard::engine;

namespace {

struct DemoFile {
  std::string path;
  DemoFile() {
    path = (std::filesystem::temp_directory_path() / ("switchyard_device_test_" + std::to_string(::getpid()) + ".gguf")).string();
    DemoModelParams p;
    p.n_threads = 2;
    REQUIRE(write_demo_model(path, p).has_value());
  }
  ~DemoFile() { std::filesystem::remove(path); }
};

Result<std::unique_ptr<Engine>> open_on(const std::string& path, const std::string& device) {
  EngineOptions o;
  o.model_path = path;
  o.threads = 2;
  o.max_sequences = 2;
  o.n_ctx = 256;
  o.device = device;
  return Engine::open(o);
}


}  // namespace

TEST_CASE("device: the probe says whether CUDA is built and why no device is used", "[engine][device]") {
  const cuda::Probe p = cuda::probe();
#if defined(SWITCHYARD_HAVE_CUDA)
  CHECK(p.compiled);
#else
  CHECK_FALSE(p.compiled);
#endif
  if (p.devices.empty()) CHECK_FALSE(p.why_none.empty());
  for (const auto& d : p.devices) {
    CHECK(d.cc_major >= 8);
    CHECK(d.total_bytes > 0);
  }
}

TEST_CASE("device: cpu runs on the CPU with no note, auto and cuda:N fall back with the reason", "[engine][device]") {
  DemoFile f;
  auto cpu = open_on(f.path, "cpu");
  REQUIRE(cpu.has_value());
  CHECK((*cpu)->info().device.rfind("cpu (", 0) == 0);
  CHECK((*cpu)->info().device_note.empty());
  const auto want = test::greedy_ids(**cpu, "Hello", 6);
  REQUIRE(want.size() == 6);

  const bool have_gpu = !cuda::probe().devices.empty();
  auto autodev = open_on(f.path, "auto");
  REQUIRE(autodev.has_value());
  if (have_gpu) {
    CHECK((*autodev)->info().device.rfind("cuda:", 0) == 0);
  } else {
    CHECK((*autodev)->info().device.rfind("cpu (", 0) == 0);
    CHECK((*autodev)->info().device_note.find("device auto: ") == 0);
    CHECK((*autodev)->info().device_note.find("running on the CPU") != std::string::npos);
    CHECK(test::greedy_ids(**autodev, "Hello", 6) == want);  // the fallback is the same engine
  }

  auto missing = open_on(f.path, "cuda:99");
  REQUIRE(missing.has_value());
  CHECK((*missing)->info().device.rfind("cpu (", 0) == 0);
  CHECK((*missing)->info().device_note.find("cuda:99") != std::string::npos);
  CHECK(test::greedy_ids(**missing, "Hello", 6) == want);
}

TEST_CASE("device: a malformed device is refused with the accepted forms", "[engine][device]") {
  DemoFile f;
  for (const char* bad : {"gpu", "cuda:", "cuda:x", "cuda:-1", "CPU", "cuda:123456"}) {
    CAPTURE(bad);
    auto e = open_on(f.path, bad);
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().message.find("auto, cpu or cuda:N") != std::string::npos);
  }
}
