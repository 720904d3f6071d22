// The tokenizer on the built-in demo vocabulary: encode any text (special tokens parsed or
// not), decode any ids, stream-detokenize them.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "local_engine/demo_model.h"
#include "local_engine/tokenizer.h"

using namespace switchyard::engine;

namespace {

const Tokenizer& tokenizer() {
  static const Tokenizer t = [] {
    DemoVocab v = demo_vocab(0);
    VocabData d;
    d.tokens = v.tokens;
    d.scores = v.scores;
    d.token_types = v.types;
    return *Tokenizer::create(std::move(d));
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const Tokenizer& t = tokenizer();
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  EncodeOptions o;
  o.parse_special = data[0] & 1;
  o.add_bos = data[0] & 2;
  std::vector<int32_t> ids = t.encode(text, o);
  (void)t.decode(ids);
  std::vector<int32_t> raw;  // arbitrary ids, in range
  for (size_t i = 1; i + 1 < size; i += 2) raw.push_back(((data[i] << 8) | data[i + 1]) % t.n_vocab());
  (void)t.decode(raw);
  return 0;
}
