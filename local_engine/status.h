// Errors as values inside the engine (DESIGN.md §3). local_engine has no HTTP and no
// dependency on providers/, so it carries its own small Error; the local provider maps it.
#pragma once

#include <expected>
#include <string>

namespace switchyard::engine {

struct Error {
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

}  // namespace switchyard::engine
