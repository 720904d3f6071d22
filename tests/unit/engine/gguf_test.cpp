// GGUF reader/writer: round trip of every value type, and a clear error for each kind of
// bad file; random byte flips and truncations must never crash.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include "local_engine/gguf.h"
#include "local_engine/quant.h"

using namespace switchyard::engine;

namespace {

std::vector<uint8_t> f32_bytes(std::vector<float> v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

GgufWriter sample_writer() {
  GgufWriter w;
  w.add_string("general.architecture", "llama");
  w.add_u32("llama.block_count", 2);
  w.add_i32("neg", -5);
  w.add_u64("big", 1ull << 40);
  w.add_f32("eps", 1e-5f);
  w.add_bool("flag", true);
  w.add_array_string("tokens", {"a", "bc", ""});
  w.add_array_f32("scores", {0.5f, -1.f});
  w.add_array_i32("types", {1, 6, 3});
  std::vector<float> m(8 * 3);
  for (size_t k = 0; k < m.size(); ++k) m[k] = float(k) * 0.25f;
  REQUIRE(w.add_tensor("m", GgmlType::f32, {8, 3}, f32_bytes(m)));
  std::vector<uint8_t> q(sizeof(BlockQ8_0) * 2);
  std::vector<float> src(64, 1.0f);
  quantize_row_q8_0(src.data(), reinterpret_cast<BlockQ8_0*>(q.data()), 64);
  REQUIRE(w.add_tensor("q", GgmlType::q8_0, {64}, q));
  return w;
}

// Byte offset of the first tensor-info record (after the metadata), found by searching.
size_t find_bytes(const std::vector<uint8_t>& hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end());
  REQUIRE(it != hay.end());
  return size_t(it - hay.begin());
}

std::string error_of(const std::vector<uint8_t>& bytes) {
  auto r = GgufFile::parse(bytes);
  REQUIRE_FALSE(r.has_value());
  return r.error().message;
}

}  // namespace

TEST_CASE("gguf: writer output reads back with every value type", "[gguf]") {
  auto bytes = sample_writer().serialize();
  auto f = GgufFile::parse(bytes);
  REQUIRE(f.has_value());
  auto& g = **f;
  CHECK(g.version() == 3);
  CHECK(g.get_string("general.architecture")->value() == "llama");
  CHECK(g.get_u64("llama.block_count")->value() == 2);
  CHECK(g.find("neg")->i == -5);
  CHECK(g.get_u64("big")->value() == (1ull << 40));
  CHECK(g.get_f64("eps")->value() == Approx(1e-5));
  CHECK(g.get_bool("flag")->value());
  CHECK_FALSE(g.get_u64("missing")->has_value());
  CHECK_FALSE(g.get_u64("general.architecture").has_value());  // wrong type is an error
  const GgufValue* toks = g.find("tokens");
  REQUIRE(toks);
  REQUIRE(toks->strings.size() == 3);
  CHECK(toks->strings[1] == "bc");
  CHECK(g.find("scores")->array_as_f32() == std::vector<float>{0.5f, -1.f});
  CHECK(g.find("types")->array_as_i64() == std::vector<int64_t>{1, 6, 3});
  const GgufTensorInfo* m = g.find_tensor("m");
  REQUIRE(m);
  CHECK(m->ne[0] == 8);
  CHECK(m->ne[1] == 3);
  CHECK(m->n_bytes == 96);
  CHECK(size_t(m->data - bytes.data()) % 32 == 0);
  float v;
  std::memcpy(&v, m->data + 4 * 9, 4);
  CHECK(v == 9 * 0.25f);
  const GgufTensorInfo* q = g.find_tensor("q");
  REQUIRE(q);
  CHECK(q->type == GgmlType::q8_0);
  CHECK(q->n_bytes == 68);
}

TEST_CASE("gguf: open from disk via mmap and a custom alignment", "[gguf]") {
  auto w = sample_writer();
  w.set_alignment(64);
  std::string path = "/tmp/switchyard_gguf_test_" + std::to_string(::getpid()) + ".gguf";
  REQUIRE(w.write(path));
  auto f = GgufFile::open(path);
  REQUIRE(f.has_value());
  CHECK((*f)->alignment() == 64);
  CHECK((*f)->find_tensor("q")->offset % 64 == 0);
  std::remove(path.c_str());
  auto missing = GgufFile::open("/nonexistent/x.gguf");
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::Contains("cannot open"));
}

TEST_CASE("gguf: each kind of bad file gets its own clear error", "[gguf]") {
  const auto good = sample_writer().serialize();

  SECTION("truncated header") {
    CHECK_THAT(error_of({good.begin(), good.begin() + 10}), Catch::Contains("truncated"));
  }
  SECTION("truncated data") {
    CHECK_THAT(error_of({good.begin(), good.end() - 40}), Catch::Contains("beyond end of file"));
  }
  SECTION("wrong magic") {
    auto b = good;
    b[0] = 'X';
    CHECK_THAT(error_of(b), Catch::Contains("bad magic"));
  }
  SECTION("bad version") {
    auto b = good;
    b[4] = 7;
    CHECK_THAT(error_of(b), Catch::Contains("unsupported version 7"));
  }
  SECTION("huge string length names the key") {
    auto b = good;
    size_t at = find_bytes(b, "llama") - 8;  // the string value's u64 length
    uint64_t huge = 1ull << 62;
    std::memcpy(&b[at], &huge, 8);
    CHECK_THAT(error_of(b), Catch::Contains("general.architecture"));
  }
  SECTION("unknown tensor type names the tensor") {
    auto b = good;
    // tensor 'q': name, n_dims(4), dim(8), type(4), offset(8)
    size_t at = find_bytes(b, std::string_view("\x01\0\0\0\0\0\0\0q", 9)) + 9 + 4 + 8;
    uint32_t t = 3;  // Q4_1: not supported
    std::memcpy(&b[at], &t, 4);
    CHECK_THAT(error_of(b), Catch::Contains("unsupported tensor type 3 for tensor 'q'"));
  }
  SECTION("misaligned offset") {
    auto b = good;
    size_t at = find_bytes(b, std::string_view("\x01\0\0\0\0\0\0\0q", 9)) + 9 + 4 + 8 + 4;
    uint64_t off;
    std::memcpy(&off, &b[at], 8);
    off += 4;
    std::memcpy(&b[at], &off, 8);
    CHECK_THAT(error_of(b), Catch::Contains("not aligned"));
  }
  SECTION("offset beyond the file") {
    auto b = good;
    size_t at = find_bytes(b, std::string_view("\x01\0\0\0\0\0\0\0q", 9)) + 9 + 4 + 8 + 4;
    uint64_t off = 1ull << 30;
    std::memcpy(&b[at], &off, 8);
    CHECK_THAT(error_of(b), Catch::Contains("tensor 'q'"));
    CHECK_THAT(error_of(b), Catch::Contains("beyond end of file"));
  }
  SECTION("absurd dimensions") {
    auto b = good;
    size_t at = find_bytes(b, std::string_view("\x01\0\0\0\0\0\0\0m", 9)) + 9 + 4;
    uint64_t dim = 1ull << 50;
    std::memcpy(&b[at], &dim, 8);
    CHECK_THAT(error_of(b), Catch::Contains("absurd dimension"));
  }
  SECTION("too many dims") {
    auto b = good;
    size_t at = find_bytes(b, std::string_view("\x01\0\0\0\0\0\0\0m", 9)) + 9;
    uint32_t nd = 5;
    std::memcpy(&b[at], &nd, 4);
    CHECK_THAT(error_of(b), Catch::Contains("n_dims 5"));
  }
}

TEST_CASE("gguf: random byte flips and truncations never crash", "[gguf]") {
  const auto good = sample_writer().serialize();
  std::mt19937 rng(1234);
  int failures = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    auto b = good;
    int flips = 1 + int(rng() % 4);
    for (int k = 0; k < flips; ++k) b[rng() % b.size()] = uint8_t(rng());
    if (iter % 3 == 0) b.resize(rng() % b.size());
    auto r = GgufFile::parse(b);
    if (!r) {
      ++failures;
      CHECK_FALSE(r.error().message.empty());
    } else {
      for (auto& t : (*r)->tensors()) {  // whatever parsed must lie inside the buffer
        CHECK(t.data >= b.data());
        CHECK(t.data + t.n_bytes <= b.data() + b.size());
      }
    }
  }
  CHECK(failures > 0);
}
