#include "write_support.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace civitas::testing {

std::string Gzip(std::string_view text) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&z, text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Gunzip(std::string_view gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  char buffer[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&z);
  return out;
}

std::vector<std::pair<int, int>> AcknowledgedBeforeSigkill(ServerProcess& server, int writers,
                                                           size_t kill_after, const Writer& write) {
  const int port = server.port();
  std::mutex mu;
  std::vector<std::pair<int, int>> acknowledged;  // guarded by mu
  std::atomic<size_t> acked{0};
  std::atomic<bool> killed{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      HttpClient client(port, /*tolerate_disconnects=*/true);
      for (int i = 0; !killed.load(std::memory_order_acquire) && i < 100000; ++i) {
        const int status = write(client, w, i);
        if (status >= 200 && status < 300) {
          std::lock_guard lock(mu);
          acknowledged.emplace_back(w, i);
          acked.fetch_add(1, std::memory_order_release);
        } else if (status == 0) {
          return;  // the server is gone
        }
      }
    });
  }
  // Kill as soon as enough writes are acknowledged; the writers are still sending.
  while (acked.load(std::memory_order_acquire) < kill_after) std::this_thread::yield();
  server.Kill();
  killed.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();
  return acknowledged;
}

}  // namespace civitas::testing
