#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace boost::asio {
class thread_pool;
}

namespace civitas::api {

// Spare cores for the independent parts of one large request (a long page of aggregated
// history): the calling thread runs the first part and helper threads the others, so a big
// analytical query finishes sooner on an otherwise idle server. Thread-safe.
class SpareCores {
 public:
  // `threads` a request may use, its own included; 0: one per core. With 1 every part runs on
  // the caller.
  explicit SpareCores(size_t threads);
  ~SpareCores();

  size_t threads() const { return threads_; }
  // Calls part(i) for every i in [0, parts), part 0 on the calling thread; returns when every
  // call has returned. `part` must not throw.
  void Run(size_t parts, const std::function<void(size_t)>& part);

 private:
  size_t threads_;
  std::unique_ptr<boost::asio::thread_pool> helpers_;
};

}  // namespace civitas::api
