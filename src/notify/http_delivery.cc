#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "src/notify/delivery.h"

namespace civitas::notify {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Runs the io_context until the pending operation completed (its handler ran).
void RunOnce(asio::io_context& io) {
  io.restart();
  io.run();
}

}  // namespace

Status HttpDelivery::Exchange(beast::tcp_stream& stream, const Endpoint& endpoint,
                              const Headers& headers, const std::string& body, bool& answered,
                              bool& keep_alive) {
  http::request<http::string_body> request{http::verb::post, endpoint.target, 11};
  request.set(http::field::host, endpoint.host + ":" + std::to_string(endpoint.port));
  request.set(http::field::user_agent, "civitas");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  beast::error_code ec;
  // tcp_stream's timer bounds the write and the read together.
  stream.expires_after(timeout_);
  http::async_write(stream, request, [&](beast::error_code e, size_t) { ec = e; });
  RunOnce(io_);
  if (ec) return IoError("sending the notification failed: " + ec.message());
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::async_read(stream, buffer, response, [&](beast::error_code e, size_t) { ec = e; });
  RunOnce(io_);
  if (ec) return IoError("reading the endpoint's answer failed: " + ec.message());
  answered = true;
  keep_alive = response.keep_alive();
  unsigned code = response.result_int();
  if (code < 200 || code > 299)
    return IoError("the endpoint answered HTTP " + std::to_string(code));
  return Status::Ok();
}

Status HttpDelivery::Post(const Endpoint& endpoint, const Headers& headers,
                          const std::string& body) {
  std::string key = endpoint.host + ":" + std::to_string(endpoint.port);
  std::unique_ptr<beast::tcp_stream> stream;
  bool reused = false;
  if (auto it = idle_.find(key); it != idle_.end()) {
    stream = std::move(it->second);
    idle_.erase(it);
    reused = true;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!stream) {
      stream = std::make_unique<beast::tcp_stream>(io_);
      tcp::resolver resolver(io_);
      beast::error_code ec;
      auto addresses = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
      if (ec) return IoError("cannot resolve the endpoint host: " + ec.message());
      stream->expires_after(timeout_);
      stream->async_connect(addresses, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
      RunOnce(io_);
      if (ec) return IoError("cannot connect to the endpoint: " + ec.message());
      reused = false;
    }
    bool answered = false, keep_alive = false;
    Status sent = Exchange(*stream, endpoint, headers, body, answered, keep_alive);
    if (answered) {
      if (keep_alive) idle_[key] = std::move(stream);
      return sent;
    }
    stream.reset();
    // A kept-alive connection the receiver closed meanwhile: try once on a fresh one.
    if (!reused) return sent;
  }
  return IoError("cannot deliver the notification");
}

}  // namespace civitas::notify
