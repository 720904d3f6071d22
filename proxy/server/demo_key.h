// The demo key of `switchyard demo`: created on the first start, then reused. Its plaintext
// is kept in a file readable by its owner only (0600) next to the database, so every start
// prints the same key and a curl line pasted yesterday still works.
#pragma once

#include <expected>
#include <string>

#include "db/store.h"

namespace switchyard::proxy::cli {

// Where the demo key's plaintext lives for a database URL: next to a SQLite file, else
// data/demo-key under the working directory.
std::string demo_key_path(const std::string& database_url);

// The key in `path` when it still authenticates (exists, enabled, not deleted, not expired);
// otherwise a new key named "demo", written to `path` (0600) before it is returned.
std::expected<std::string, std::string> ensure_demo_key(db::KeyStore& store, const std::string& path);

}  // namespace switchyard::proxy::cli
