#include "local_engine/kv_cache.h"

#include <cstring>
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

Result<void> KvCache::copy_positions(const KvCache& src, int src_seq, int src_pos, int dst_seq, int dst_pos, int n) {
  if (src.n_layer_ != n_layer_ || src.kv_dim_ != kv_dim_ || src.type_ != type_)
    return std::unexpected(Error{"kv cache: copy between caches of different shapes or types"});
  auto inside = [](const KvCache& c, int seq, int pos, int count) {
    return seq >= 0 && seq < c.n_seq_max_ && pos >= 0 && count >= 0 && int64_t(pos) + count <= c.n_ctx_;
  };
  if (!inside(src, src_seq, src_pos, n) || !inside(*this, dst_seq, dst_pos, n))
    return std::unexpected(Error{"kv cache: copy of " + std::to_string(n) + " positions out of range"});
  const size_t elem = type_ == KvType::f16 ? 2 : 4;
  const size_t bytes = size_t(n) * size_t(kv_dim_) * elem;  // positions of one sequence are contiguous
  const size_t from = src.offset(src_seq, src_pos) * elem, to = offset(dst_seq, dst_pos) * elem;
  for (int l = 0; l < n_layer_; ++l) {
    std::memmove(k_[size_t(l)].get() + to, src.k_[size_t(l)].get() + from, bytes);
    std::memmove(v_[size_t(l)].get() + to, src.v_[size_t(l)].get() + from, bytes);
  }
  return {};
}

}  // namespace switchyard::engine
