#include "local_engine/cpu/kernels.h"
namespace switchyard::engine::cpu {
const KernelSet* kernels_avx512() { return nullptr; }
}
