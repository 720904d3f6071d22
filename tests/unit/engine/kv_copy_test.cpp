// KV copies (forked choices, the prefix cache's pool): a sequence rebuilt from copied K/V
// continues exactly as the original, for F32 and F16 caches; bad copies are refused.
#include <catch2/catch.hpp>

#include <unistd.h>

#include "local_engine/demo_model.h"
#include "local_engine/model.h"

using namespace switchyard::engine;

namespace {

std::unique_ptr<Model> demo_model() {
  DemoModelParams p;
  p.n_threads = 2;
  const std::string path = "/tmp/switchyard_kv_copy_test_" + std::to_string(::getpid()) + ".gguf";
  REQUIRE(write_demo_model(path, p));
  auto m = Model::load(path, {2});
  std::remove(path.c_str());
  REQUIRE(m);
  return std::move(*m);
}

// Logits of `next` at position pos of seq (F32 [n_vocab]).
std::vector<float> next_logits(Model& m, KvCache& kv, int seq, int pos, int next) {
  std::vector<float> lg(size_t(m.config().n_vocab));
  BatchToken t{next, pos, seq, true};
  REQUIRE(m.forward(kv, {&t, 1}, lg.data()));
  return lg;
}

}  // namespace

TEST_CASE("kv copy: a copied prefix and a pool round trip continue exactly as the original", "[kv]") {
  auto model = demo_model();
  Model& m = *model;
  const KvType type = GENERATE(KvType::f32, KvType::f16);
  auto kv = m.make_kv_cache(3, 64, type);
  REQUIRE(kv);
  std::vector<BatchToken> prompt;
  const std::vector<int> ids = {1, 300, 301, 302, 17, 18, 19, 20, 21, 22};
  for (size_t i = 0; i < ids.size(); ++i) prompt.push_back({ids[i], int(i), 0, false});
  REQUIRE(m.forward(*kv, prompt, nullptr));
  const int n = int(ids.size());

  // Fork: seq 1 gets the prefix by copy.
  REQUIRE(kv->copy_positions(*kv, 0, 0, 1, 0, n));
  kv->set_seq_len(1, n);
  // Pool: positions go out to an unrelated pool offset, then back into seq 2.
  auto pool = KvCache::create(m.config(), 1, 40, type);
  REQUIRE(pool);
  REQUIRE(pool->copy_positions(*kv, 0, 0, 0, 23, n));
  REQUIRE(kv->copy_positions(*pool, 0, 23, 2, 0, n));
  kv->set_seq_len(2, n);

  const auto original = next_logits(m, *kv, 0, n, 42);
  CHECK(next_logits(m, *kv, 1, n, 42) == original);
  CHECK(next_logits(m, *kv, 2, n, 42) == original);
}

TEST_CASE("kv copy: out-of-range and mismatched copies are errors", "[kv]") {
  auto model = demo_model();
  auto kv = model->make_kv_cache(2, 16);
  REQUIRE(kv);
  CHECK_FALSE(kv->copy_positions(*kv, 0, 0, 1, 10, 8));   // past n_ctx
  CHECK_FALSE(kv->copy_positions(*kv, 2, 0, 1, 0, 1));    // no sequence 2
  CHECK_FALSE(kv->copy_positions(*kv, 0, -1, 1, 0, 1));
  auto f16 = model->make_kv_cache(2, 16, KvType::f16);
  REQUIRE(f16);
  auto r = kv->copy_positions(*f16, 0, 0, 0, 0, 1);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("different") != std::string::npos);
  CHECK(kv->copy_positions(*kv, 0, 0, 1, 0, 16));  // exactly the whole context is fine
}
