#include "spare_cores.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <latch>
#include <thread>

namespace civitas::api {

SpareCores::SpareCores(size_t threads)
    : threads_(std::max<size_t>(1, threads > 0 ? threads : std::thread::hardware_concurrency())) {
  if (threads_ > 1) helpers_ = std::make_unique<boost::asio::thread_pool>(threads_ - 1);
}

SpareCores::~SpareCores() {
  if (helpers_) helpers_->join();
}

void SpareCores::Run(size_t parts, const std::function<void(size_t)>& part) {
  if (parts == 0) return;
  if (!helpers_) {
    for (size_t i = 0; i < parts; ++i) part(i);
    return;
  }
  std::latch done(static_cast<std::ptrdiff_t>(parts - 1));
  for (size_t i = 1; i < parts; ++i) {
    boost::asio::post(*helpers_, [&part, &done, i] {
      part(i);
      done.count_down();
    });
  }
  part(0);
  done.wait();
}

}  // namespace civitas::api
