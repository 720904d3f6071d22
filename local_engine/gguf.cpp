#include "local_engine/gguf.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include "local_engine/gguf_format.h"

namespace switchyard::engine {

namespace {

constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" little-endian

Error err(std::string m) { return Error{std::move(m)}; }

// Bounds-checked little-endian cursor over the file.
struct Cursor {
  const uint8_t* base;
  size_t size;
  size_t pos = 0;

  bool has(size_t n) const { return n <= size && pos <= size - n; }
  template <class T>
  bool read(T& out) {
    if (!has(sizeof(T))) return false;
    std::memcpy(&out, base + pos, sizeof(T));
    pos += sizeof(T);
    return true;
  }
  bool read_string(std::string_view& out, uint64_t max_len) {
    uint64_t n = 0;
    if (!read(n)) return false;
    if (n > max_len || !has(n)) return false;
    out = std::string_view(reinterpret_cast<const char*>(base + pos), n);
    pos += n;
    return true;
  }
};

size_t scalar_size(GgufValueType t) {
  switch (t) {
    case GgufValueType::u8: case GgufValueType::i8: case GgufValueType::boolean: return 1;
    case GgufValueType::u16: case GgufValueType::i16: return 2;
    case GgufValueType::u32: case GgufValueType::i32: case GgufValueType::f32: return 4;
    case GgufValueType::u64: case GgufValueType::i64: case GgufValueType::f64: return 8;
    default: return 0;
  }
}

bool valid_value_type(uint32_t t) { return t <= 12; }

// Reads one scalar (not string/array) of type t at p into v.
void decode_scalar(GgufValueType t, const uint8_t* p, GgufValue& v) {
  auto get = [&](auto tag) {
    decltype(tag) x;
    std::memcpy(&x, p, sizeof(x));
    return x;
  };
  switch (t) {
    case GgufValueType::u8: v.u = get(uint8_t{}); v.i = int64_t(v.u); v.f = double(v.u); break;
    case GgufValueType::i8: v.i = get(int8_t{}); v.u = uint64_t(v.i); v.f = double(v.i); break;
    case GgufValueType::u16: v.u = get(uint16_t{}); v.i = int64_t(v.u); v.f = double(v.u); break;
    case GgufValueType::i16: v.i = get(int16_t{}); v.u = uint64_t(v.i); v.f = double(v.i); break;
    case GgufValueType::u32: v.u = get(uint32_t{}); v.i = int64_t(v.u); v.f = double(v.u); break;
    case GgufValueType::i32: v.i = get(int32_t{}); v.u = uint64_t(v.i); v.f = double(v.i); break;
    case GgufValueType::u64: v.u = get(uint64_t{}); v.i = int64_t(v.u); v.f = double(v.u); break;
    case GgufValueType::i64: v.i = get(int64_t{}); v.u = uint64_t(v.i); v.f = double(v.i); break;
    case GgufValueType::f32: v.f = get(float{}); break;
    case GgufValueType::f64: v.f = get(double{}); break;
    case GgufValueType::boolean: v.u = get(uint8_t{}) ? 1 : 0; v.i = int64_t(v.u); v.f = double(v.u); break;
    default: break;
  }
}

}  // namespace

bool ggml_type_supported(uint32_t t) {
  return t == 0 || t == 1 || t == 2 || t == 8 || t == 12 || t == 14 || t == 30;
}

std::string_view ggml_type_name(GgmlType t) {
  switch (t) {
    case GgmlType::f32: return "F32";
    case GgmlType::f16: return "F16";
    case GgmlType::bf16: return "BF16";
    case GgmlType::q4_0: return "Q4_0";
    case GgmlType::q8_0: return "Q8_0";
    case GgmlType::q4_k: return "Q4_K";
    case GgmlType::q6_k: return "Q6_K";
  }
  return "?";
}

int64_t ggml_block_size(GgmlType t) {
  switch (t) {
    case GgmlType::f32: case GgmlType::f16: case GgmlType::bf16: return 1;
    case GgmlType::q4_0: case GgmlType::q8_0: return 32;
    case GgmlType::q4_k: case GgmlType::q6_k: return 256;
  }
  return 1;
}

size_t ggml_type_size(GgmlType t) {
  switch (t) {
    case GgmlType::f32: return 4;
    case GgmlType::f16: case GgmlType::bf16: return 2;
    case GgmlType::q4_0: return 18;
    case GgmlType::q8_0: return 34;
    case GgmlType::q4_k: return 144;
    case GgmlType::q6_k: return 210;
  }
  return 0;
}

std::optional<size_t> ggml_row_size(GgmlType t, int64_t n) {
  int64_t bs = ggml_block_size(t);
  if (n < 0 || n % bs != 0) return std::nullopt;
  return size_t(n / bs) * ggml_type_size(t);
}

bool GgufValue::is_integer() const {
  switch (type) {
    case GgufValueType::u8: case GgufValueType::i8: case GgufValueType::u16: case GgufValueType::i16:
    case GgufValueType::u32: case GgufValueType::i32: case GgufValueType::u64: case GgufValueType::i64:
      return true;
    default: return false;
  }
}

bool GgufValue::is_numeric_array() const {
  return type == GgufValueType::array && elem_type != GgufValueType::string &&
         elem_type != GgufValueType::array;
}

// Decodes each element of a numeric array and converts it with `convert(decoded scalar)`.
template <class T, class Convert>
static std::vector<T> decode_numeric_array(const GgufValue& a, Convert convert) {
  std::vector<T> out;
  if (!a.is_numeric_array()) return out;
  const size_t es = scalar_size(a.elem_type);
  out.resize(a.count);
  for (uint64_t k = 0; k < a.count; ++k) {
    GgufValue v;
    decode_scalar(a.elem_type, a.array_data + k * es, v);
    out[k] = convert(v);
  }
  return out;
}

std::vector<float> GgufValue::array_as_f32() const {
  return decode_numeric_array<float>(*this, [](const GgufValue& v) { return float(v.f); });
}

std::vector<int64_t> GgufValue::array_as_i64() const {
  const bool floating = elem_type == GgufValueType::f32 || elem_type == GgufValueType::f64;
  return decode_numeric_array<int64_t>(*this, [floating](const GgufValue& v) { return floating ? int64_t(v.f) : v.i; });
}

std::string GgufTensorInfo::shape_string() const {
  std::string s = "[";
  for (uint32_t d = 0; d < n_dims; ++d) s += (d ? ", " : "") + std::to_string(ne[d]);
  return s + "]";
}

GgufFile::~GgufFile() {
  if (mapping_) munmap(mapping_, size_);
}

Result<std::unique_ptr<GgufFile>> GgufFile::open(const std::string& path, const GgufLimits& limits) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(err(detail::sformat("gguf: cannot open '{}': {}", path, std::strerror(errno))));
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    ::close(fd);
    return std::unexpected(err(detail::sformat("gguf: cannot stat '{}'", path)));
  }
  size_t size = size_t(st.st_size);
  if (size < 24) {
    ::close(fd);
    return std::unexpected(err(detail::sformat("gguf: '{}' is truncated ({} bytes, header needs 24)", path, size)));
  }
  void* m = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) return std::unexpected(err(detail::sformat("gguf: cannot mmap '{}'", path)));
  std::unique_ptr<GgufFile> f(new GgufFile());
  f->mapping_ = m;
  f->base_ = static_cast<const uint8_t*>(m);
  f->size_ = size;
  if (auto r = f->parse_all(limits); !r) return std::unexpected(err(path + ": " + r.error().message));
  return f;
}

Result<std::unique_ptr<GgufFile>> GgufFile::parse(std::span<const uint8_t> bytes, const GgufLimits& limits) {
  std::unique_ptr<GgufFile> f(new GgufFile());
  f->base_ = bytes.data();
  f->size_ = bytes.size();
  if (auto r = f->parse_all(limits); !r) return std::unexpected(r.error());
  return f;
}

Result<void> GgufFile::parse_all(const GgufLimits& lim) {
  Cursor c{base_, size_};
  uint32_t magic = 0;
  if (!c.read(magic)) return std::unexpected(err("gguf: truncated header"));
  if (magic != kGgufMagic) return std::unexpected(err(detail::sformat("gguf: bad magic 0x{:08x} (not a GGUF file)", magic)));
  if (!c.read(version_)) return std::unexpected(err("gguf: truncated header"));
  if (version_ != 2 && version_ != 3)
    return std::unexpected(err(detail::sformat("gguf: unsupported version {} (need 2 or 3)", version_)));
  uint64_t n_tensors = 0, n_kv = 0;
  if (!c.read(n_tensors) || !c.read(n_kv)) return std::unexpected(err("gguf: truncated header"));
  if (n_tensors > lim.max_tensors) return std::unexpected(err(detail::sformat("gguf: absurd tensor count {}", n_tensors)));
  if (n_kv > lim.max_kv) return std::unexpected(err(detail::sformat("gguf: absurd metadata count {}", n_kv)));

  kv_.reserve(n_kv);
  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string_view key;
    if (!c.read_string(key, lim.max_string_bytes))
      return std::unexpected(err(detail::sformat("gguf: metadata key #{}: bad or truncated key string", k)));
    std::string keys(key);
    uint32_t t = 0;
    if (!c.read(t)) return std::unexpected(err(detail::sformat("gguf: metadata '{}': truncated", keys)));
    if (!valid_value_type(t)) return std::unexpected(err(detail::sformat("gguf: metadata '{}': unknown value type {}", keys, t)));
    GgufValue v;
    v.type = GgufValueType(t);
    if (v.type == GgufValueType::string) {
      if (!c.read_string(v.str, lim.max_string_bytes))
        return std::unexpected(err(detail::sformat("gguf: metadata '{}': bad or truncated string (length beyond file or limit)", keys)));
    } else if (v.type == GgufValueType::array) {
      uint32_t et = 0;
      if (!c.read(et) || !c.read(v.count)) return std::unexpected(err(detail::sformat("gguf: metadata '{}': truncated array header", keys)));
      if (!valid_value_type(et) || et == uint32_t(GgufValueType::array))
        return std::unexpected(err(detail::sformat("gguf: metadata '{}': unsupported array element type {}", keys, et)));
      v.elem_type = GgufValueType(et);
      if (v.count > lim.max_array_elems)
        return std::unexpected(err(detail::sformat("gguf: metadata '{}': absurd array length {}", keys, v.count)));
      if (v.elem_type == GgufValueType::string) {
        // Each string needs at least its 8-byte length: cheap bound before reserving.
        if (!c.has(v.count * 8)) return std::unexpected(err(detail::sformat("gguf: metadata '{}': array beyond end of file", keys)));
        v.strings.resize(v.count);
        for (uint64_t e = 0; e < v.count; ++e)
          if (!c.read_string(v.strings[e], lim.max_string_bytes))
            return std::unexpected(err(detail::sformat("gguf: metadata '{}': element {}: bad or truncated string", keys, e)));
      } else {
        size_t es = scalar_size(v.elem_type);
        if (!c.has(v.count * es)) return std::unexpected(err(detail::sformat("gguf: metadata '{}': array beyond end of file", keys)));
        v.array_data = base_ + c.pos;
        c.pos += v.count * es;
      }
    } else {
      size_t es = scalar_size(v.type);
      if (!c.has(es)) return std::unexpected(err(detail::sformat("gguf: metadata '{}': truncated value", keys)));
      decode_scalar(v.type, base_ + c.pos, v);
      c.pos += es;
    }
    if (kv_index_.count(keys)) return std::unexpected(err(detail::sformat("gguf: duplicate metadata key '{}'", keys)));
    kv_index_.emplace(keys, kv_.size());
    kv_.emplace_back(std::move(keys), std::move(v));
  }

  if (const GgufValue* a = find("general.alignment")) {
    if (!a->is_integer() || a->u == 0 || a->u > (1u << 16) || (a->u & (a->u - 1)) != 0)
      return std::unexpected(err("gguf: metadata 'general.alignment' must be a power of two <= 65536"));
    alignment_ = a->u;
  }

  tensors_.reserve(n_tensors);
  for (uint64_t k = 0; k < n_tensors; ++k) {
    GgufTensorInfo ti;
    std::string_view name;
    if (!c.read_string(name, 4096)) return std::unexpected(err(detail::sformat("gguf: tensor #{}: bad or truncated name", k)));
    ti.name = std::string(name);
    if (!c.read(ti.n_dims)) return std::unexpected(err(detail::sformat("gguf: tensor '{}': truncated", ti.name)));
    if (ti.n_dims == 0 || ti.n_dims > 4)
      return std::unexpected(err(detail::sformat("gguf: tensor '{}': n_dims {} not in 1..4", ti.name, ti.n_dims)));
    for (uint32_t d = 0; d < ti.n_dims; ++d) {
      uint64_t ne = 0;
      if (!c.read(ne)) return std::unexpected(err(detail::sformat("gguf: tensor '{}': truncated dims", ti.name)));
      if (ne == 0 || ne > uint64_t(lim.max_dim))
        return std::unexpected(err(detail::sformat("gguf: tensor '{}': absurd dimension {} = {}", ti.name, d, ne)));
      ti.ne[d] = int64_t(ne);
    }
    uint32_t type = 0;
    if (!c.read(type) || !c.read(ti.offset)) return std::unexpected(err(detail::sformat("gguf: tensor '{}': truncated", ti.name)));
    if (!ggml_type_supported(type))
      return std::unexpected(err(detail::sformat("gguf: unsupported tensor type {} for tensor '{}'", type, ti.name)));
    ti.type = GgmlType(type);
    // Element count without overflow: each dim <= 2^40, product checked step by step.
    unsigned __int128 n = 1;
    for (int d = 0; d < 4; ++d) n *= uint64_t(ti.ne[d]);
    if (n > (unsigned __int128)(lim.max_dim))
      return std::unexpected(err(detail::sformat("gguf: tensor '{}': absurd shape {}", ti.name, ti.shape_string())));
    auto row = ggml_row_size(ti.type, ti.ne[0]);
    if (!row)
      return std::unexpected(err(detail::sformat("gguf: tensor '{}': row length {} is not a multiple of the {} block size {}",
                                             ti.name, ti.ne[0], ggml_type_name(ti.type), ggml_block_size(ti.type))));
    ti.n_bytes = *row * size_t(ti.ne[1] * ti.ne[2] * ti.ne[3]);
    if (ti.offset % alignment_ != 0)
      return std::unexpected(err(detail::sformat("gguf: tensor '{}': offset {} not aligned to {}", ti.name, ti.offset, alignment_)));
    if (tensor_index_.count(ti.name)) return std::unexpected(err(detail::sformat("gguf: duplicate tensor '{}'", ti.name)));
    tensor_index_.emplace(ti.name, tensors_.size());
    tensors_.push_back(std::move(ti));
  }

  uint64_t data_start = (c.pos + alignment_ - 1) / alignment_ * alignment_;
  for (auto& ti : tensors_) {
    if (data_start > size_ || ti.offset > size_ - data_start || ti.n_bytes > size_ - data_start - ti.offset)
      return std::unexpected(err(detail::sformat("gguf: tensor '{}': data (offset {}, {} bytes) extends beyond end of file ({} bytes)",
                                             ti.name, ti.offset, ti.n_bytes, size_)));
    ti.data = base_ + data_start + ti.offset;
  }
  return {};
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

Result<std::optional<uint64_t>> GgufFile::get_u64(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::optional<uint64_t>{};
  if (!v->is_integer() || v->i < 0) return std::unexpected(err(detail::sformat("gguf: metadata '{}' must be a non-negative integer", key)));
  return std::optional<uint64_t>{v->u};
}

Result<std::optional<double>> GgufFile::get_f64(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::optional<double>{};
  if (!v->is_integer() && !v->is_float()) return std::unexpected(err(detail::sformat("gguf: metadata '{}' must be a number", key)));
  return std::optional<double>{v->f};
}

Result<std::optional<std::string>> GgufFile::get_string(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::optional<std::string>{};
  if (v->type != GgufValueType::string) return std::unexpected(err(detail::sformat("gguf: metadata '{}' must be a string", key)));
  return std::optional<std::string>{std::string(v->str)};
}

Result<std::optional<bool>> GgufFile::get_bool(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::optional<bool>{};
  if (v->type != GgufValueType::boolean) return std::unexpected(err(detail::sformat("gguf: metadata '{}' must be a bool", key)));
  return std::optional<bool>{v->u != 0};
}

// ---- writer ---------------------------------------------------------------------------

namespace {
template <class T>
void put(std::vector<uint8_t>& out, T v) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}
void put_str(std::vector<uint8_t>& out, std::string_view s) {
  put<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}
}  // namespace

void GgufWriter::put_key(std::string key, GgufValueType t) {
  put_str(kv_bytes_, key);
  put<uint32_t>(kv_bytes_, uint32_t(t));
  ++n_kv_;
}
void GgufWriter::add_u32(std::string key, uint32_t v) { put_key(std::move(key), GgufValueType::u32); put(kv_bytes_, v); }
void GgufWriter::add_i32(std::string key, int32_t v) { put_key(std::move(key), GgufValueType::i32); put(kv_bytes_, v); }
void GgufWriter::add_u64(std::string key, uint64_t v) { put_key(std::move(key), GgufValueType::u64); put(kv_bytes_, v); }
void GgufWriter::add_f32(std::string key, float v) { put_key(std::move(key), GgufValueType::f32); put(kv_bytes_, v); }
void GgufWriter::add_bool(std::string key, bool v) { put_key(std::move(key), GgufValueType::boolean); put<uint8_t>(kv_bytes_, v ? 1 : 0); }
void GgufWriter::add_string(std::string key, std::string v) { put_key(std::move(key), GgufValueType::string); put_str(kv_bytes_, v); }
void GgufWriter::add_array_string(std::string key, const std::vector<std::string>& v) {
  put_key(std::move(key), GgufValueType::array);
  put<uint32_t>(kv_bytes_, uint32_t(GgufValueType::string));
  put<uint64_t>(kv_bytes_, v.size());
  for (auto& s : v) put_str(kv_bytes_, s);
}
void GgufWriter::add_array_f32(std::string key, const std::vector<float>& v) {
  put_key(std::move(key), GgufValueType::array);
  put<uint32_t>(kv_bytes_, uint32_t(GgufValueType::f32));
  put<uint64_t>(kv_bytes_, v.size());
  for (float x : v) put(kv_bytes_, x);
}
void GgufWriter::add_array_i32(std::string key, const std::vector<int32_t>& v) {
  put_key(std::move(key), GgufValueType::array);
  put<uint32_t>(kv_bytes_, uint32_t(GgufValueType::i32));
  put<uint64_t>(kv_bytes_, v.size());
  for (int32_t x : v) put(kv_bytes_, x);
}

Result<void> GgufWriter::add_tensor(std::string name, GgmlType type, std::vector<int64_t> dims, std::vector<uint8_t> bytes) {
  if (dims.empty() || dims.size() > 4) return std::unexpected(err(detail::sformat("gguf writer: tensor '{}': need 1..4 dims", name)));
  auto row = ggml_row_size(type, dims[0]);
  if (!row) return std::unexpected(err(detail::sformat("gguf writer: tensor '{}': row length {} not a multiple of block size", name, dims[0])));
  size_t n = *row;
  for (size_t d = 1; d < dims.size(); ++d) n *= size_t(dims[d]);
  if (n != bytes.size())
    return std::unexpected(err(detail::sformat("gguf writer: tensor '{}': {} bytes given, shape needs {}", name, bytes.size(), n)));
  tensors_.push_back({std::move(name), type, std::move(dims), std::move(bytes)});
  return {};
}

namespace {
std::vector<uint8_t> header_bytes(uint64_t n_kv, const std::vector<uint8_t>& kv, uint32_t alignment,
                                  const auto& tensors, std::vector<uint64_t>& offsets) {
  std::vector<uint8_t> h;
  put<uint32_t>(h, kGgufMagic);
  put<uint32_t>(h, 3);
  put<uint64_t>(h, tensors.size());
  put<uint64_t>(h, n_kv);
  h.insert(h.end(), kv.begin(), kv.end());
  uint64_t off = 0;
  offsets.clear();
  for (auto& t : tensors) {
    put_str(h, t.name);
    put<uint32_t>(h, uint32_t(t.dims.size()));
    for (int64_t d : t.dims) put<uint64_t>(h, uint64_t(d));
    put<uint32_t>(h, uint32_t(t.type));
    put<uint64_t>(h, off);
    offsets.push_back(off);
    off += (t.bytes.size() + alignment - 1) / alignment * alignment;
  }
  while (h.size() % alignment) h.push_back(0);
  return h;
}
}  // namespace

std::vector<uint8_t> GgufWriter::serialize() const {
  std::vector<uint8_t> kv = kv_bytes_;
  uint64_t n_kv = n_kv_;
  std::vector<uint64_t> offsets;
  if (alignment_ != 32) {  // record a non-default alignment in the file
    put_str(kv, "general.alignment");
    put<uint32_t>(kv, uint32_t(GgufValueType::u32));
    put<uint32_t>(kv, alignment_);
    ++n_kv;
  }
  std::vector<uint8_t> out = header_bytes(n_kv, kv, alignment_, tensors_, offsets);
  for (auto& t : tensors_) {
    out.insert(out.end(), t.bytes.begin(), t.bytes.end());
    while (out.size() % alignment_) out.push_back(0);
  }
  return out;
}

Result<void> GgufWriter::write(const std::string& path) const {
  std::vector<uint8_t> kv = kv_bytes_;
  uint64_t n_kv = n_kv_;
  if (alignment_ != 32) {
    put_str(kv, "general.alignment");
    put<uint32_t>(kv, uint32_t(GgufValueType::u32));
    put<uint32_t>(kv, alignment_);
    ++n_kv;
  }
  std::vector<uint64_t> offsets;
  std::vector<uint8_t> header = header_bytes(n_kv, kv, alignment_, tensors_, offsets);
  std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return std::unexpected(err(detail::sformat("gguf writer: cannot create '{}': {}", tmp, std::strerror(errno))));
  bool ok = std::fwrite(header.data(), 1, header.size(), f) == header.size();
  static const uint8_t zeros[65536] = {};
  for (auto& t : tensors_) {
    if (!ok) break;
    ok = std::fwrite(t.bytes.data(), 1, t.bytes.size(), f) == t.bytes.size();
    size_t pad = (alignment_ - t.bytes.size() % alignment_) % alignment_;
    if (ok && pad) ok = std::fwrite(zeros, 1, pad, f) == pad;
  }
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return std::unexpected(err(detail::sformat("gguf writer: failed writing '{}'", path)));
  }
  return {};
}

}  // namespace switchyard::engine
