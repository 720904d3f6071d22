// GGUF v2/v3 reader (over mmap) and writer. Every field of an untrusted file is
// validated: a bad file yields an Error naming the key or tensor at fault, never a crash.
// Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
// Dims are listed innermost-first as in ggml: ne[0] is the row length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "local_engine/ggml_type.h"
#include "local_engine/status.h"

namespace switchyard::engine {

// GgmlType (ggml_type.h): the tensor types this engine supports.
bool ggml_type_supported(uint32_t type_id);
std::string_view ggml_type_name(GgmlType type);
int64_t ggml_block_size(GgmlType type);   // weights per block (1 for float types)
size_t ggml_type_size(GgmlType type);     // bytes per block
// Bytes of one row of n weights; nullopt if n is not a multiple of the block size.
std::optional<size_t> ggml_row_size(GgmlType type, int64_t n);

enum class GgufValueType : uint32_t {
  u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7,
  string = 8, array = 9, u64 = 10, i64 = 11, f64 = 12,
};

// One metadata value. Scalars are widened; arrays of numbers point into the mapping
// (little-endian, possibly unaligned: read them with the array_* helpers).
struct GgufValue {
  GgufValueType type = GgufValueType::u8;
  GgufValueType elem_type = GgufValueType::u8;  // arrays only
  uint64_t count = 0;                            // arrays only
  uint64_t u = 0;      // unsigned / bool scalars (and signed ones, as bits)
  int64_t i = 0;       // integer scalars, sign-extended
  double f = 0;        // float scalars; also every integer scalar converted
  std::string_view str;                          // string scalar
  std::vector<std::string_view> strings;         // array of strings
  const uint8_t* array_data = nullptr;           // array of numbers

  bool is_integer() const;
  bool is_float() const { return type == GgufValueType::f32 || type == GgufValueType::f64; }
  bool is_numeric_array() const;
  std::vector<float> array_as_f32() const;       // numeric arrays
  std::vector<int64_t> array_as_i64() const;     // integer arrays
};

struct GgufTensorInfo {
  std::string name;
  GgmlType type = GgmlType::f32;
  uint32_t n_dims = 0;
  int64_t ne[4] = {1, 1, 1, 1};  // innermost first
  uint64_t offset = 0;           // relative to the data section
  size_t n_bytes = 0;
  const uint8_t* data = nullptr; // inside the mapping
  int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  std::string shape_string() const;  // "[4096, 32000]"
};

struct GgufLimits {
  uint64_t max_string_bytes = 1u << 26;       // 64 MiB
  uint64_t max_array_elems = 1u << 26;
  uint64_t max_kv = 1u << 20;
  uint64_t max_tensors = 1u << 20;
  int64_t max_dim = int64_t{1} << 40;
};

class GgufFile {
 public:
  static Result<std::unique_ptr<GgufFile>> open(const std::string& path, const GgufLimits& limits = {});
  // Parses a caller-owned buffer (kept alive by the caller); used by tests.
  static Result<std::unique_ptr<GgufFile>> parse(std::span<const uint8_t> bytes, const GgufLimits& limits = {});
  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return kv_; }
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }

  const GgufValue* find(std::string_view key) const;
  const GgufTensorInfo* find_tensor(std::string_view name) const;

  // Typed lookups: nullopt if absent; Error if present with the wrong type.
  Result<std::optional<uint64_t>> get_u64(std::string_view key) const;
  Result<std::optional<double>> get_f64(std::string_view key) const;
  Result<std::optional<std::string>> get_string(std::string_view key) const;
  Result<std::optional<bool>> get_bool(std::string_view key) const;

  std::span<const uint8_t> bytes() const { return {base_, size_}; }

 private:
  GgufFile() = default;
  Result<void> parse_all(const GgufLimits& limits);

  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  void* mapping_ = nullptr;  // non-null when we own an mmap
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::map<std::string, size_t, std::less<>> kv_index_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

// Writes GGUF v3. Tensor data is copied in add_tensor (tests and the demo model are small
// enough) or produced later by a callback so the big demo model streams to disk.
class GgufWriter {
 public:
  void set_alignment(uint32_t a) { alignment_ = a; }
  void add_u32(std::string key, uint32_t v);
  void add_i32(std::string key, int32_t v);
  void add_u64(std::string key, uint64_t v);
  void add_f32(std::string key, float v);
  void add_bool(std::string key, bool v);
  void add_string(std::string key, std::string v);
  void add_array_string(std::string key, const std::vector<std::string>& v);
  void add_array_f32(std::string key, const std::vector<float>& v);
  void add_array_i32(std::string key, const std::vector<int32_t>& v);
  // dims innermost-first (ne[0] = row length); bytes.size() must match.
  Result<void> add_tensor(std::string name, GgmlType type, std::vector<int64_t> dims, std::vector<uint8_t> bytes);
  Result<void> write(const std::string& path) const;
  std::vector<uint8_t> serialize() const;

 private:
  void put_key(std::string key, GgufValueType t);
  struct Tensor {
    std::string name;
    GgmlType type;
    std::vector<int64_t> dims;
    std::vector<uint8_t> bytes;
  };
  uint32_t alignment_ = 32;
  uint64_t n_kv_ = 0;
  std::vector<uint8_t> kv_bytes_;
  std::vector<Tensor> tensors_;
};

}  // namespace switchyard::engine
