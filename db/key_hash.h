// API keys: generation (OpenSSL RAND_bytes) and SHA-256 hashing (OpenSSL EVP).
// Only the hash is ever stored (DESIGN.md §5).
#pragma once

#include <string>
#include <string_view>

namespace switchyard::db {

// Lower-case hex SHA-256 of the key text.
std::string hash_key(std::string_view key);

// A fresh key, "sk-sy-v1-" followed by 64 hex characters (32 random bytes).
std::string generate_key();

// "sk-sy-v1-abc...xyz": the first 12 and last 3 characters, to recognise a key in lists.
std::string key_label(const std::string& key);

}  // namespace switchyard::db
