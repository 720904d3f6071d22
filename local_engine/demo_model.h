// Writes a random-weight Llama/Mixtral GGUF with a small built-in SentencePiece vocabulary:
// a real, loadable model for demos, tests and benchmarks (no download needed).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "local_engine/gguf.h"
#include "local_engine/status.h"

namespace switchyard::engine {

struct DemoModelParams {
  int dim = 64;
  int n_layer = 2;
  int n_head = 4;
  int n_kv_head = 2;
  int n_expert = 4;           // 0 = dense llama
  int n_expert_used = 2;
  int n_ff = 128;
  int n_vocab = 0;            // 0 = the built-in vocabulary as is; larger pads with generated pieces
  int n_ctx = 2048;
  GgmlType type = GgmlType::q8_0;  // matrices whose rows do not fit the block size fall back to Q8_0, then F16
  uint64_t seed = 42;
  bool stacked_experts = true;     // false: older per-expert tensors blk.N.ffn_gate.E.weight
  bool tie_embeddings = false;     // true: no output.weight
  float eos_logit_scale = 0.1f;    // shrinks the EOS row of output.weight so greedy runs go on
  int n_threads = 0;               // for random init; 0 = all
  std::string name = "switchyard-demo";
};

struct DemoVocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;  // 1 normal, 2 unknown, 3 control, 6 byte
};
DemoVocab demo_vocab(int n_vocab);  // n_vocab 0 = built-in size (>= 300)

const char* demo_chat_template();  // vicuna-style Jinja

Result<void> write_demo_model(const std::string& path, const DemoModelParams& params);

}  // namespace switchyard::engine
