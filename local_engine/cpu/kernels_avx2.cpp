#include "local_engine/cpu/kernels.h"
namespace switchyard::engine::cpu {
const KernelSet* kernels_avx2() { return nullptr; }
}
