#include "spare_cores.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <latch>
#include <thread>
#include <vector>

namespace civitas::api {

SpareCores::SpareCores(size_t threads)
    : threads_(std::max<size_t>(1, threads > 0 ? threads : std::thread::hardware_concurrency())) {
  if (threads_ > 1) helpers_ = std::make_unique<boost::asio::thread_pool>(threads_ - 1);
}

SpareCores::~SpareCores() {
  if (helpers_) helpers_->join();
}

size_t SpareCores::Slices(size_t count, size_t min_per_slice) const {
  return std::clamp(count / std::max<size_t>(1, min_per_slice), size_t{1}, threads_);
}

std::string SpareCores::JsonArray(size_t count, size_t min_per_slice, const SliceRenderer& render) {
  const size_t slices = Slices(count, min_per_slice);
  std::vector<std::string> texts(slices);
  texts[0] = "[";  // the first slice opens the array: joining copies the others only
  auto run = [&](size_t slice) {
    render(slice, count * slice / slices, count * (slice + 1) / slices, texts[slice]);
  };
  if (slices == 1) {
    run(0);
  } else {
    std::latch done(static_cast<std::ptrdiff_t>(slices - 1));
    for (size_t slice = 1; slice < slices; ++slice) {
      boost::asio::post(*helpers_, [&run, &done, slice] {
        run(slice);
        done.count_down();
      });
    }
    run(0);
    done.wait();
  }
  std::string out = std::move(texts[0]);
  for (size_t slice = 1; slice < slices; ++slice) {
    if (texts[slice].empty()) continue;
    if (out.size() > 1) out.push_back(',');
    out.append(texts[slice]);
  }
  out.push_back(']');
  return out;
}

}  // namespace civitas::api
