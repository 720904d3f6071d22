// KV cache for continuous batching: n_seq_max independent sequences x n_ctx positions.
// Layout per layer: K and V are [n_seq_max, n_ctx, n_kv_head * head_dim] of F32 (the default:
// exact) or F16 (KvType::f16: half the memory and half the attention traffic, K/V rounded
// to F16 as llama.cpp's default cache does); 2 x n_layer x n_seq_max x n_ctx x kv_dim x 4 or 2 bytes.
// Memory is reserved up front (virtual; pages are touched only when positions are used),
// and bytes_needed() lets the scheduler decide admission before allocating anything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "local_engine/status.h"

namespace switchyard::engine {

struct ModelConfig;

enum class KvType : uint8_t { f32, f16 };

class KvCache {
 public:
  static size_t bytes_needed(const ModelConfig& config, int n_seq_max, int n_ctx, KvType type = KvType::f32);
  // n_ctx 0 means the model's training context length.
  static Result<KvCache> create(const ModelConfig& config, int n_seq_max, int n_ctx, KvType type = KvType::f32);

  int n_seq_max() const { return n_seq_max_; }
  int n_ctx() const { return n_ctx_; }
  int n_layer() const { return n_layer_; }
  int64_t kv_dim() const { return kv_dim_; }
  size_t bytes() const { return bytes_needed_; }
  KvType type() const { return type_; }

  // Positions [0, seq_len(seq)) hold valid K/V. A forward may write position p of seq only
  // if p <= seq_len(seq) (append, or overwrite and truncate).
  int seq_len(int seq) const { return seq_len_[size_t(seq)]; }
  void clear_seq(int seq) { seq_len_[size_t(seq)] = 0; }
  void truncate_seq(int seq, int len) {
    if (len < seq_len_[size_t(seq)]) seq_len_[size_t(seq)] = len < 0 ? 0 : len;
  }
  void clear_all() { for (auto& n : seq_len_) n = 0; }

  // F32 caches: F32 [kv_dim] at (layer, seq, pos).
  float* k(int layer, int seq, int pos) { return reinterpret_cast<float*>(k_[size_t(layer)].get()) + offset(seq, pos); }
  float* v(int layer, int seq, int pos) { return reinterpret_cast<float*>(v_[size_t(layer)].get()) + offset(seq, pos); }
  const float* k(int layer, int seq, int pos) const { return reinterpret_cast<const float*>(k_[size_t(layer)].get()) + offset(seq, pos); }
  const float* v(int layer, int seq, int pos) const { return reinterpret_cast<const float*>(v_[size_t(layer)].get()) + offset(seq, pos); }
  // F16 caches: F16 [kv_dim] at (layer, seq, pos).
  uint16_t* k16(int layer, int seq, int pos) { return reinterpret_cast<uint16_t*>(k_[size_t(layer)].get()) + offset(seq, pos); }
  uint16_t* v16(int layer, int seq, int pos) { return reinterpret_cast<uint16_t*>(v_[size_t(layer)].get()) + offset(seq, pos); }

  void set_seq_len(int seq, int len) { seq_len_[size_t(seq)] = len; }  // used by forward

  // K/V of n positions, every layer, from (src_seq, src_pos) of src to (dst_seq, dst_pos)
  // here (src may be this cache). Both must hold the same model's layers in the same type.
  // Lengths are not touched: the caller says what the destination holds.
  Result<void> copy_positions(const KvCache& src, int src_seq, int src_pos, int dst_seq, int dst_pos, int n);

 private:
  size_t offset(int seq, int pos) const { return (size_t(seq) * size_t(n_ctx_) + size_t(pos)) * size_t(kv_dim_); }
  int n_seq_max_ = 0, n_ctx_ = 0, n_layer_ = 0;
  int64_t kv_dim_ = 0;
  size_t bytes_needed_ = 0;
  KvType type_ = KvType::f32;
  std::vector<std::unique_ptr<uint8_t[]>> k_, v_;  // per layer: [n_seq_max, n_ctx, kv_dim] of type_
  std::vector<int> seq_len_;
};

}  // namespace switchyard::engine
