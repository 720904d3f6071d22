#include "proxy/server/elastic_pool.h"

#include <pthread.h>

#include <algorithm>

namespace switchyard::proxy {

ElasticPool::ElasticPool(ElasticPoolOptions options) : options_(options) {
  options_.max_threads = std::max<size_t>(1, options_.max_threads);
  options_.min_threads = std::min(options_.min_threads, options_.max_threads);
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < options_.min_threads; ++i) spawn();
}

ElasticPool::~ElasticPool() { shutdown(); }

bool ElasticPool::spawn() {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, std::max<size_t>(options_.stack_bytes, PTHREAD_STACK_MIN));
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t t;
  const int rc = pthread_create(
      &t, &attr, [](void* self) -> void* { static_cast<ElasticPool*>(self)->run(); return nullptr; }, this);
  pthread_attr_destroy(&attr);
  if (rc != 0) return false;
  ++threads_;
  ++idle_;
  update_starved();
  return true;
}

void ElasticPool::update_starved() {
  starved_.store(queue_.size() > idle_ ? queue_.size() - idle_ : 0, std::memory_order_relaxed);
}

bool ElasticPool::submit(std::function<void()> job) {
  std::lock_guard lock(mu_);
  if (stopping_) return false;
  if (idle_ <= queue_.size() && threads_ < options_.max_threads) spawn();
  if (idle_ <= queue_.size() && queue_.size() >= options_.max_queue) return false;
  queue_.push_back(std::move(job));
  update_starved();
  work_.notify_one();
  return true;
}

void ElasticPool::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    const bool woke = work_.wait_for(lock, options_.idle_exit, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && (stopping_ || (!woke && threads_ > options_.min_threads))) break;
    if (queue_.empty()) continue;
    auto job = std::move(queue_.front());
    queue_.pop_front();
    --idle_;
    update_starved();
    lock.unlock();
    job();
    job = nullptr;  // its captures die outside the lock
    lock.lock();
    ++idle_;
    update_starved();
  }
  --idle_;
  --threads_;
  update_starved();
  ended_.notify_all();
}

void ElasticPool::shutdown() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  work_.notify_all();
  ended_.wait(lock, [&] { return threads_ == 0; });
}

size_t ElasticPool::threads() const {
  std::lock_guard lock(mu_);
  return threads_;
}
size_t ElasticPool::busy() const {
  std::lock_guard lock(mu_);
  return threads_ - idle_;
}
size_t ElasticPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

}  // namespace switchyard::proxy
