#include "bench/load/driver.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace civitas::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct Shared {
  Shared(const DriverOptions& o, const Workload& w) : options(o), workload(w) {}
  const DriverOptions& options;
  const Workload& workload;
  tcp::endpoint endpoint;
  Clock::time_point deadline;
  std::atomic<uint64_t> next{0};  // relaxed: only hands out distinct request numbers
  std::mutex mu;
  DriverResult result;  // merged under mu as connections finish
};

struct ConnectionStats {
  DriverResult r;
  Clock::time_point last_done{};
};

void RecordError(ConnectionStats& st, std::string what) {
  ++st.r.errors;
  if (st.r.first_error.empty()) st.r.first_error = std::move(what);
}

asio::awaitable<void> RunConnection(Shared& shared, Clock::time_point start) {
  auto executor = co_await asio::this_coro::executor;
  beast::tcp_stream stream(executor);
  beast::flat_buffer buffer;
  Request req;
  req.version(11);
  req.keep_alive(true);
  req.set(http::field::host, shared.options.host);
  req.set(http::field::user_agent, "civitas_load");
  // The server's bootstrap admin token, from the environment (never a flag: `ps` shows flags).
  if (const char* token = std::getenv("CIVITAS_ADMIN_TOKEN"); token != nullptr && *token) {
    req.set(http::field::authorization, std::string("Bearer ") + token);
  }
  ConnectionStats st;
  st.r.latencies_us.reserve(std::min<uint64_t>(shared.options.max_requests, 1 << 20));
  bool connected = false;
  for (;;) {
    if (Clock::now() >= shared.deadline) break;
    uint64_t n = shared.next.fetch_add(1, std::memory_order_relaxed);
    if (n >= shared.options.max_requests) break;
    if (!connected) {
      stream.expires_after(shared.options.request_timeout);
      auto [ec] = co_await stream.async_connect(shared.endpoint, kNoThrow);
      if (ec) {
        ++st.r.transport_errors;
        RecordError(st, "connect: " + ec.message());
        stream.close();
        continue;
      }
      stream.socket().set_option(tcp::no_delay(true));
      connected = true;
    }
    shared.workload.Build(n, req);
    req.prepare_payload();
    http::response<http::string_body> res;
    auto t0 = Clock::now();
    stream.expires_after(shared.options.request_timeout);
    auto [wec, wn] = co_await http::async_write(stream, req, kNoThrow);
    beast::error_code ec = wec;
    if (!ec) {
      auto [rec, rn] = co_await http::async_read(stream, buffer, res, kNoThrow);
      ec = rec;
    }
    auto t1 = Clock::now();
    if (ec) {
      ++st.r.transport_errors;
      RecordError(st, "transport: " + ec.message());
      beast::error_code ignored;
      stream.socket().close(ignored);
      buffer.clear();
      connected = false;
      continue;
    }
    st.last_done = t1;
    st.r.latencies_us.push_back(static_cast<uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count()));
    unsigned status = res.result_int();
    ++st.r.statuses[status];
    if (status >= 200 && status < 300 && status != 207) {
      ++st.r.ok;
      st.r.response_bytes += res.body().size();
    } else {
      RecordError(st, std::to_string(status) + " " + res.body().substr(0, 400));
    }
    if (!res.keep_alive()) {
      beast::error_code ignored;
      stream.socket().close(ignored);
      connected = false;
    }
  }
  std::lock_guard lock(shared.mu);
  DriverResult& out = shared.result;
  out.ok += st.r.ok;
  out.errors += st.r.errors;
  out.transport_errors += st.r.transport_errors;
  out.response_bytes += st.r.response_bytes;
  for (auto [k, v] : st.r.statuses) out.statuses[k] += v;
  if (out.first_error.empty()) out.first_error = st.r.first_error;
  out.latencies_us.insert(out.latencies_us.end(), st.r.latencies_us.begin(),
                          st.r.latencies_us.end());
  if (st.last_done > start) {
    out.seconds = std::max(out.seconds, std::chrono::duration<double>(st.last_done - start).count());
  }
}

}  // namespace

DriverResult RunLoad(const DriverOptions& options, const Workload& workload) {
  asio::io_context io(options.threads);
  Shared shared(options, workload);
  shared.endpoint = tcp::endpoint(asio::ip::make_address(options.host), options.port);
  auto start = Clock::now();
  shared.deadline = start + options.duration;
  for (int i = 0; i < options.connections; ++i) {
    asio::co_spawn(io, RunConnection(shared, start), asio::detached);
  }
  std::vector<std::thread> threads;
  for (int i = 1; i < options.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  std::sort(shared.result.latencies_us.begin(), shared.result.latencies_us.end());
  return std::move(shared.result);
}

}  // namespace civitas::bench
