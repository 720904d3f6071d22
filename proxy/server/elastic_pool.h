// The worker threads of the HTTP server (issue 16, finding 3): elastic instead of a fixed
// 64. A job (one client connection) gets an idle thread, or a new one while fewer than
// max_threads run, or waits in a bounded queue; submit() says false when even the queue is
// full, and the caller answers 503. Threads above min_threads exit after idle_exit without
// work. Stacks are small (stack_bytes; glibc's default is 8 MiB of address space each), so
// thousands of threads fit.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace switchyard::proxy {

struct ElasticPoolOptions {
  size_t min_threads = 8;
  size_t max_threads = 4096;
  size_t max_queue = 1024;
  size_t stack_bytes = 1 << 20;
  std::chrono::milliseconds idle_exit{10000};
};

class ElasticPool {
 public:
  explicit ElasticPool(ElasticPoolOptions options);
  ~ElasticPool();  // shutdown()
  ElasticPool(const ElasticPool&) = delete;
  ElasticPool& operator=(const ElasticPool&) = delete;

  // false: every thread busy, max_threads running and the queue full (or shutting down).
  bool submit(std::function<void()> job);
  // Runs what is queued, then waits for every thread to end.
  void shutdown();

  size_t threads() const;
  size_t busy() const;
  size_t queued() const;
  // Jobs no thread is free to take: those queued beyond the idle threads (a job queued while
  // an idle thread is waking up is not starved). Lock-free: every kept-alive connection asks
  // it between requests, and gives way when it is above zero.
  size_t starved() const { return starved_.load(std::memory_order_relaxed); }

 private:
  bool spawn();            // with mu_ held
  void update_starved();   // with mu_ held
  void run();

  ElasticPoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable work_, ended_;
  std::deque<std::function<void()>> queue_;
  size_t threads_ = 0, idle_ = 0;
  std::atomic<size_t> starved_{0};  // max(0, queue_.size() - idle_)
  bool stopping_ = false;
};

}  // namespace switchyard::proxy
