// Waiting on a condition another thread makes true, in tests: polls every 2 ms, never
// sleeps blind, and gives up after `timeout`.
#pragma once

#include <chrono>
#include <thread>

namespace switchyard::testing {

template <class F>
bool eventually(F condition, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace switchyard::testing
