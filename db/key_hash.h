// API keys: generation (OpenSSL RAND_bytes) and SHA-256 hashing (OpenSSL EVP).
// Only the hash is ever stored (DESIGN.md §5).
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "db/error.h"
#include "db/records.h"

namespace switchyard::db {

// Lower-case hex SHA-256 of the key text.
std::string hash_key(std::string_view key);

// A fresh key, "sk-sy-v1-" followed by 64 hex characters (32 random bytes).
std::string generate_key();

// "sk-sy-v1-abc...xyz": the first 12 and last 3 characters, to recognise a key in lists.
std::string key_label(const std::string& key);

// A new key and the row every store inserts for it (hash, label, limits, times): the part of
// create_key that does not depend on the database.
std::expected<CreatedKey, Error> new_key_row(const NewKey& key);

}  // namespace switchyard::db
