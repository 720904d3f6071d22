#include "db/key_hash.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace switchyard::db {

namespace {
std::string to_hex(const unsigned char* data, size_t n) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += hex[data[i] >> 4];
    out += hex[data[i] & 15];
  }
  return out;
}
}  // namespace

std::string hash_key(std::string_view key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(key.data(), key.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    return {};  // cannot happen with the default provider; an empty hash matches no key
  return to_hex(digest, len);
}

std::string generate_key() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  return "sk-sy-v1-" + to_hex(bytes, sizeof bytes);
}

std::string key_label(const std::string& key) {
  if (key.size() < 16) return "...";
  return key.substr(0, 12) + "..." + key.substr(key.size() - 3);
}

}  // namespace switchyard::db
