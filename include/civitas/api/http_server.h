#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <chrono>
#include <string>

#include <boost/beast/http.hpp>

#include "civitas/core/result.h"

namespace civitas::api {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

// What a handler produces: the response, and whether it acknowledges a write that must be
// durable before the client may see it.
struct Reply {
  HttpResponse response;
  bool needs_durability = false;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port
  int threads = 2;
  size_t body_limit_bytes = 64u << 20;
  size_t header_limit_bytes = 64u << 10;
  // A client gets this long to send a whole request (and to finish the TLS handshake), and an
  // idle keep-alive connection is closed after it: slow clients cannot hold connections.
  std::chrono::seconds request_timeout{30};
  // PEM files; both set: the listener speaks TLS 1.2+ only.
  std::string tls_cert_file;
  std::string tls_key_file;
};

// Who sent a request: what the transport knows and the request cannot forge.
struct Peer {
  std::string address;  // the remote IP address, e.g. "127.0.0.1"
};

// HTTP/1.1 server on Boost.Beast/Asio: keep-alive, one strand per connection, `threads` event
// loop threads. Handlers run on the connection's thread and must not block for long. For
// replies that need durability, `await_durable` is called and the response is written once its
// callback fires (from any thread).
class HttpServer {
 public:
  using Handler = std::function<Reply(HttpRequest&, const Peer&)>;
  using DurabilityWaiter = std::function<void(std::function<void(Status)>)>;

  HttpServer(HttpServerOptions options, Handler handler, DurabilityWaiter await_durable);
  ~HttpServer();

  // Binds and listens; returns the bound port. kIoError when the address is unusable or the TLS
  // certificate or key cannot be loaded.
  Result<uint16_t> Listen();
  // Serves until Stop(); runs the event loop on `threads` threads (including the caller's).
  void Run();
  // Thread-safe and async-signal-friendly via Asio: stops accepting and ends Run().
  void Stop();

  // Requests refused before any handler saw them (so the handler's metrics miss them): not
  // HTTP/1.1 (400), body or headers over the limits (413, 431), cut off by the request
  // timeout mid-request (no answer). Thread-safe.
  struct RefusedCounts {
    uint64_t malformed = 0;
    uint64_t body_too_large = 0;
    uint64_t headers_too_large = 0;
    uint64_t timed_out = 0;
  };
  RefusedCounts refused() const;

  struct State;  // event loop and acceptor (src/api/http_server.cc)

 private:
  std::unique_ptr<State> state_;
};

}  // namespace civitas::api
