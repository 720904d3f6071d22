// The CUDA backend's entry points in a build without the CUDA toolkit: the engine asks,
// learns why not, and runs on the CPU.
#include "local_engine/cuda/cuda_engine.h"

namespace switchyard::engine::cuda {

Probe probe() {
  Probe p;
  p.why_none = "this build has no CUDA backend (configured with SWITCHYARD_CUDA=OFF, or no CUDA toolkit was found)";
  return p;
}

size_t bytes_needed(const Model&, const CudaModelParams&) { return 0; }

Result<std::unique_ptr<BatchModel>> make_cuda_batch_model(std::shared_ptr<const Model>, const CudaModelParams&) {
  return std::unexpected(Error{probe().why_none});
}

Result<double> measure_read_bandwidth(int, size_t) { return std::unexpected(Error{probe().why_none}); }

}  // namespace switchyard::engine::cuda
