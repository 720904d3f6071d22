// Built without CUDA: the per-kernel test entry points exist and say so.
#include "local_engine/cuda/cuda_testing.h"

namespace switchyard::engine::cuda::testing {

namespace {
std::unexpected<Error> none() { return std::unexpected(Error{"this build has no CUDA backend"}); }
}  // namespace

Result<std::vector<float>> matmul(const WeightMatrix&, const std::vector<float>&, int, MatmulPath) { return none(); }
Result<std::vector<float>> expert_matmul(const std::vector<WeightMatrix>&, const std::vector<float>&,
                                         const std::vector<int32_t>&, const std::vector<int32_t>&, MatmulPath) {
  return none();
}
Result<Routing> route(const std::vector<float>&, int, int, int) { return none(); }
Result<std::vector<float>> moe_combine(const std::vector<float>&, const std::vector<float>&, const Routing&, int, int, int) {
  return none();
}
Result<std::vector<float>> rms_norm(const std::vector<float>&, const std::vector<float>&, int, int, float) { return none(); }
Result<std::vector<float>> swiglu(const std::vector<float>&, const std::vector<float>&) { return none(); }
Result<Rotated> rope(const std::vector<float>&, const std::vector<float>&, const std::vector<int32_t>&, int, int, int, int,
                     float) {
  return none();
}
Result<std::vector<float>> attention(const std::vector<float>&, const std::vector<float>&, const std::vector<float>&,
                                     const std::vector<int32_t>&, int, int, int, int, bool, int) {
  return none();
}

}  // namespace switchyard::engine::cuda::testing
