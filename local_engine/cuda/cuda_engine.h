// The CUDA backend's host-side interface. This header is plain C++: it compiles (and the
// functions link) in every build; without the CUDA toolkit (SWITCHYARD_CUDA=OFF, or AUTO on
// a machine without nvcc) probe() says so and make_cuda_batch_model() returns an error, so
// the engine falls back to the CPU with that reason in its log line.
//
// The GPU model serves the whole forward from GPU memory: weights uploaded once in their
// GGUF type, the KV cache, every activation, MoE routing and grouping. Per step only the
// batch (token, position, sequence, wants-logits: a few ints per token) goes up and the
// rows of logits that were asked for come back.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "local_engine/engine.h"
#include "local_engine/kv_cache.h"
#include "local_engine/model.h"
#include "local_engine/status.h"

namespace switchyard::engine::cuda {

struct DeviceInfo {
  int index = 0;
  std::string name;           // "NVIDIA H200"
  int cc_major = 0, cc_minor = 0;
  size_t total_bytes = 0;
  size_t free_bytes = 0;
};

struct Probe {
  bool compiled = false;            // built with the CUDA backend
  std::vector<DeviceInfo> devices;  // empty when none is usable
  std::string why_none;             // when devices is empty: the reason, for the log line
};
Probe probe();

struct CudaModelParams {
  int device = 0;
  int n_seq_max = 1;
  int n_ctx = 2048;
  KvType kv_type = KvType::f16;
  int max_batch_tokens = 0;  // tokens per forward the scratch is sized for; 0 = 512, grows on demand
  int progress = -1;         // upload progress bar: -1 on a terminal, 0 never, 1 always
};

// Bytes of GPU memory the model needs (weights + KV cache + scratch for max_batch_tokens).
size_t bytes_needed(const Model& model, const CudaModelParams& params);

// Uploads the model's weights and allocates the KV cache on the device. The Model keeps
// owning the mapped file (and the tokenizer metadata); the result shares it.
Result<std::unique_ptr<BatchModel>> make_cuda_batch_model(std::shared_ptr<const Model> model,
                                                          const CudaModelParams& params);

// Device memory read bandwidth in bytes/s: the best of a few passes of a streaming read
// kernel over `bytes` of device memory (the limit the decode figures are measured against).
Result<double> measure_read_bandwidth(int device, size_t bytes = size_t(4) << 30);

}  // namespace switchyard::engine::cuda
