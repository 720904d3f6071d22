#include "local_engine/kv_cache.h"

#include <new>
#include <string>

#include "local_engine/model.h"

namespace switchyard::engine {

size_t KvCache::bytes_needed(const ModelConfig& c, int n_seq_max, int n_ctx) {
  if (n_ctx <= 0) n_ctx = c.n_ctx_train;
  return 2 * size_t(c.n_layer) * size_t(n_seq_max) * size_t(n_ctx) * size_t(c.n_kv_head) * size_t(c.head_dim) * sizeof(float);
}

Result<KvCache> KvCache::create(const ModelConfig& c, int n_seq_max, int n_ctx) {
  if (n_ctx <= 0) n_ctx = c.n_ctx_train;
  if (n_seq_max <= 0 || n_ctx <= 0 || n_seq_max > 65536 || n_ctx > (1 << 24))
    return std::unexpected(Error{"kv cache: bad size n_seq_max=" + std::to_string(n_seq_max) + " n_ctx=" + std::to_string(n_ctx)});
  KvCache kv;
  kv.n_seq_max_ = n_seq_max;
  kv.n_ctx_ = n_ctx;
  kv.n_layer_ = c.n_layer;
  kv.kv_dim_ = int64_t(c.n_kv_head) * c.head_dim;
  kv.bytes_needed_ = bytes_needed(c, n_seq_max, n_ctx);
  const size_t per_layer = size_t(n_seq_max) * size_t(n_ctx) * size_t(kv.kv_dim_);
  for (int l = 0; l < c.n_layer; ++l) {
    // Default-initialized (not zeroed): the OS commits pages only when positions are written.
    float* k = new (std::nothrow) float[per_layer];
    float* v = new (std::nothrow) float[per_layer];
    if (!k || !v) {
      delete[] k;
      delete[] v;
      return std::unexpected(Error{"kv cache: out of memory allocating " + std::to_string(kv.bytes_needed_) + " bytes"});
    }
    kv.k_.emplace_back(k);
    kv.v_.emplace_back(v);
  }
  kv.seq_len_.assign(size_t(n_seq_max), 0);
  return kv;
}

}  // namespace switchyard::engine
