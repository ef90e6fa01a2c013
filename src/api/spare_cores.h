#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class thread_pool;
}

namespace civitas::api {

// Spare cores for one large request (a long page of history): its items are rendered in
// slices, the first on the calling thread and the others on helper threads, so a big query
// finishes sooner on an otherwise idle server. Thread-safe.
class SpareCores {
 public:
  // `threads` a request may use, its own included; 0: one per core. With 1 every slice runs on
  // the caller.
  explicit SpareCores(size_t threads);
  ~SpareCores();

  // How many slices JsonArray cuts `count` items into: one per thread at most, each of at least
  // `min_per_slice` items (one slice when there are fewer).
  size_t Slices(size_t count, size_t min_per_slice) const;

  // Appends items [begin, end) as comma-separated JSON values to `out`; runs on the slice's
  // thread and must not throw.
  using SliceRenderer =
      std::function<void(size_t slice, size_t begin, size_t end, std::string& out)>;
  // The JSON array of `count` items rendered slice by slice, joined in item order. Returns
  // when every slice is done.
  std::string JsonArray(size_t count, size_t min_per_slice, const SliceRenderer& render);

 private:
  size_t threads_;
  std::unique_ptr<boost::asio::thread_pool> helpers_;
};

}  // namespace civitas::api
