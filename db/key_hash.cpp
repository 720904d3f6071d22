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
  // Fetched once: EVP_sha256() makes every EVP_Digest look the implementation up again
  // (OpenSSL 3), and every proxied request hashes its key.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (!sha256 || EVP_Digest(key.data(), key.size(), digest, &len, sha256, nullptr) != 1)
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

std::expected<CreatedKey, Error> new_key_row(const NewKey& k) {
  CreatedKey out;
  try {
    out.key = generate_key();  // throws only if the OS has no randomness
  } catch (const std::exception& e) {
    return std::unexpected(Error{std::string("create_key: ") + e.what()});
  }
  ApiKeyRow& r = out.row;
  r.key_hash = hash_key(out.key);
  r.name = k.name;
  r.label = key_label(out.key);
  r.limit_pico = k.limit_pico;
  r.created = r.updated = now_unix_ms();
  r.management = k.management;
  r.limit_reset = k.limit_reset;
  r.expires_at = k.expires_at;
  r.rpm = k.rpm;
  r.tpm = k.tpm;
  r.max_concurrent = k.max_concurrent;
  return out;
}

}  // namespace switchyard::db
