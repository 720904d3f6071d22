#include "local_engine/kv_cache.h"

#include <new>
#include <string>

#include "local_engine/model.h"

namespace switchyard::engine {

size_t KvCache::bytes_needed(const ModelConfig& c, int n_seq_max, int n_ctx, KvType type) {
  if (n_ctx <= 0) n_ctx = c.n_ctx_train;
  const size_t elem = type == KvType::f16 ? 2 : 4;
  return 2 * size_t(c.n_layer) * size_t(n_seq_max) * size_t(n_ctx) * size_t(c.n_kv_head) * size_t(c.head_dim) * elem;
}

Result<KvCache> KvCache::create(const ModelConfig& c, int n_seq_max, int n_ctx, KvType type) {
  if (n_ctx <= 0) n_ctx = c.n_ctx_train;
  if (n_seq_max <= 0 || n_ctx <= 0 || n_seq_max > 65536 || n_ctx > (1 << 24))
    return std::unexpected(Error{"kv cache: bad size n_seq_max=" + std::to_string(n_seq_max) + " n_ctx=" + std::to_string(n_ctx)});
  KvCache kv;
  kv.n_seq_max_ = n_seq_max;
  kv.n_ctx_ = n_ctx;
  kv.n_layer_ = c.n_layer;
  kv.kv_dim_ = int64_t(c.n_kv_head) * c.head_dim;
  kv.type_ = type;
  kv.bytes_needed_ = bytes_needed(c, n_seq_max, n_ctx, type);
  const size_t per_layer = size_t(n_seq_max) * size_t(n_ctx) * size_t(kv.kv_dim_) * (type == KvType::f16 ? 2 : 4);
  for (int l = 0; l < c.n_layer; ++l) {
    // Default-initialized (not zeroed): the OS commits pages only when positions are written.
    uint8_t* k = new (std::nothrow) uint8_t[per_layer];
    uint8_t* v = new (std::nothrow) uint8_t[per_layer];
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
