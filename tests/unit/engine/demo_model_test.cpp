// The demo model writer: CLI flags, vocabulary layout, and a loadable file.
#include <catch2/catch.hpp>

#include <unistd.h>

#include "local_engine/demo_model.h"
#include "local_engine/gguf.h"
#include "local_engine/model.h"
#include "tools/make_demo_model.h"

using namespace switchyard::engine;

TEST_CASE("demo: vocabulary has specials, 256 byte tokens and word pieces", "[model]") {
  DemoVocab v = demo_vocab(0);
  REQUIRE(v.tokens.size() >= 300);
  CHECK(v.tokens[0] == "<unk>");
  CHECK(v.tokens[1] == "<s>");
  CHECK(v.tokens[2] == "</s>");
  CHECK(v.types[1] == 3);
  CHECK(v.tokens[3] == "<0x00>");
  CHECK(v.tokens[3 + 255] == "<0xFF>");
  CHECK(v.types[3 + 65] == 6);
  CHECK(std::find(v.tokens.begin(), v.tokens.end(), "\xE2\x96\x81the") != v.tokens.end());
  CHECK(demo_vocab(32000).tokens.size() == 32000);
}

TEST_CASE("demo: make-demo-model CLI writes a loadable MoE GGUF", "[model]") {
  std::string path = "/tmp/switchyard_demo_cli_" + std::to_string(::getpid()) + ".gguf";
  std::vector<std::string> args = {"make-demo-model", "--out", path, "--dim", "64", "--layers", "1", "--experts", "4",
                                   "--experts-used", "2", "--type", "q4_0", "--seed", "7"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  REQUIRE(make_demo_model_main(int(argv.size()), argv.data()) == 0);
  auto m = Model::load(path);
  REQUIRE(m);
  CHECK((*m)->config().n_expert == 4);
  CHECK((*m)->config().n_layer == 1);
  CHECK((*m)->config().ffn_type == GgmlType::q4_0);
  CHECK((*m)->gguf().get_string("tokenizer.ggml.model")->value() == "llama");
  CHECK((*m)->gguf().get_u64("tokenizer.ggml.bos_token_id")->value() == 1);
  std::remove(path.c_str());
  std::vector<std::string> bad = {"make-demo-model", "--out", path, "--type", "q5_0"};
  std::vector<char*> bargv;
  for (auto& a : bad) bargv.push_back(a.data());
  CHECK(make_demo_model_main(int(bargv.size()), bargv.data()) == 2);
}
