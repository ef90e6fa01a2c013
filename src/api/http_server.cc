#include "civitas/api/http_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <thread>
#include <vector>

#include "civitas/core/log.h"

namespace civitas::api {
namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

struct HttpServer::State {
  HttpServerOptions options;
  Handler handler;
  DurabilityWaiter await_durable;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::unique_ptr<net::ssl::context> tls;  // null: plain HTTP
  struct {
    std::atomic<uint64_t> malformed{0}, body_too_large{0}, headers_too_large{0}, timed_out{0};
  } refused;
};

namespace {

HttpResponse InternalErrorResponse(const HttpRequest& req) {
  HttpResponse res{http::status::internal_server_error, req.version()};
  res.set(http::field::content_type, "application/json");
  res.body() =
      R"({"type":"https://uri.etsi.org/ngsi-ld/errors/InternalError","title":"Internal error",)"
      R"("detail":"the server failed to handle the request; see its log"})";
  return res;
}

// One connection. `Stream` is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <class... Args>
  Session(HttpServer::State& state, Peer peer, Args&&... args)
      : stream_(std::forward<Args>(args)...), state_(state), peer_(std::move(peer)) {}

  void Start() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        beast::get_lowest_layer(self->stream_).expires_after(self->state_.options.request_timeout);
        self->stream_.async_handshake(net::ssl::stream_base::server,
                                      [self](beast::error_code ec) {
                                        if (!ec) self->Read();
                                      });
      } else {
        self->Read();
      }
    });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(state_.options.body_limit_bytes);
    parser_->header_limit(static_cast<uint32_t>(state_.options.header_limit_bytes));
    beast::get_lowest_layer(stream_).expires_after(state_.options.request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       self->OnRead(ec);
                     });
  }

  void OnRead(beast::error_code ec) {
    auto& refused = state_.refused;
    // Cut off mid-request; an idle keep-alive connection closed by the timeout is not counted.
    if (ec == beast::error::timeout && parser_->got_some()) {
      refused.timed_out.fetch_add(1, std::memory_order_relaxed);
      return Close();
    }
    // The client left (a hang-up mid-request included): nobody to answer.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == beast::error::timeout || ec == net::error::connection_reset ||
        ec == net::error::operation_aborted || ec == net::ssl::error::stream_truncated) {
      return Close();
    }
    if (ec) {
      if (ec == http::error::body_limit) {
        refused.body_too_large.fetch_add(1, std::memory_order_relaxed);
        return WriteError(http::status::payload_too_large);
      }
      if (ec == http::error::header_limit) {
        refused.headers_too_large.fetch_add(1, std::memory_order_relaxed);
        return WriteError(http::status::request_header_fields_too_large);
      }
      refused.malformed.fetch_add(1, std::memory_order_relaxed);
      return WriteError(http::status::bad_request);
    }
    HttpRequest request = parser_->release();
    Reply reply;
    try {
      reply = state_.handler(request, peer_);
    } catch (const std::exception& e) {
      // The last-resort guard: handlers report errors as values; reaching here is a bug. The
      // query string stays out of the log (InfluxDB 1.x clients send a token as p=...).
      std::string_view target = request.target();
      spdlog::error("handler threw for {} {}: {}", std::string(request.method_string()),
                    std::string(target.substr(0, target.find('?'))), e.what());
      reply.response = InternalErrorResponse(request);
    }
    reply.response.keep_alive(request.keep_alive());
    reply.response.prepare_payload();
    if (!reply.needs_durability) return Write(std::move(reply.response));
    auto pending = std::make_shared<HttpResponse>(std::move(reply.response));
    state_.await_durable([self = this->shared_from_this(), pending](Status status) {
      net::post(self->stream_.get_executor(), [self, pending, status] {
        if (!status.ok()) {
          HttpRequest stub;
          *pending = InternalErrorResponse(stub);
        }
        self->Write(std::move(*pending));
      });
    });
  }

  void WriteError(http::status status) {
    HttpResponse res{status, 11};
    res.set(http::field::content_type, "application/json");
    if (status == http::status::payload_too_large) {
      res.body() =
          R"({"type":"https://uri.etsi.org/ngsi-ld/errors/BadRequestData","title":"Request too large","detail":"the request body exceeds the server's limit"})";
    } else if (status == http::status::request_header_fields_too_large) {
      res.body() =
          R"({"type":"https://uri.etsi.org/ngsi-ld/errors/BadRequestData","title":"Headers too large","detail":"the request headers exceed the server's limit"})";
    } else {
      res.body() =
          R"({"type":"https://uri.etsi.org/ngsi-ld/errors/InvalidRequest","title":"Malformed HTTP request","detail":"the request is not valid HTTP/1.1"})";
    }
    res.keep_alive(false);
    res.prepare_payload();
    Write(std::move(res));
  }

  void Write(HttpResponse response) {
    auto res = std::make_shared<HttpResponse>(std::move(response));
    bool close = !res->keep_alive();
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res, close](beast::error_code ec, size_t) {
                        if (ec || close) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both,
                                                                 ignored);
      });
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpServer::State& state_;
  const Peer peer_;
};

void Accept(HttpServer::State& state) {
  state.acceptor.async_accept(net::make_strand(state.ioc), [&state](beast::error_code ec,
                                                                    tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      Peer peer;
      auto remote = socket.remote_endpoint(ec);
      if (!ec) peer.address = remote.address().to_string();
      if (state.tls) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            state, std::move(peer), std::move(socket), *state.tls)
            ->Start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(state, std::move(peer), std::move(socket))
            ->Start();
      }
    }
    Accept(state);
  });
}

// TLS 1.2 or later only, with the server's certificate chain and key.
Status LoadTls(HttpServer::State& state) {
  const auto& o = state.options;
  if (o.tls_cert_file.empty() && o.tls_key_file.empty()) return Status::Ok();
  if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
    return InvalidRequest("TLS needs both a certificate and a key file");
  }
  auto ctx = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  beast::error_code ec;
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                       net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use,
                   ec);
  if (!ec) ctx->use_certificate_chain_file(o.tls_cert_file, ec);
  if (ec) return IoError("cannot load TLS certificate " + o.tls_cert_file + ": " + ec.message());
  ctx->use_private_key_file(o.tls_key_file, net::ssl::context::pem, ec);
  if (ec) return IoError("cannot load TLS key " + o.tls_key_file + ": " + ec.message());
  state.tls = std::move(ctx);
  return Status::Ok();
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, Handler handler, DurabilityWaiter await_durable)
    : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
  state_->handler = std::move(handler);
  state_->await_durable = std::move(await_durable);
}

HttpServer::~HttpServer() = default;

Result<uint16_t> HttpServer::Listen() {
  CIVITAS_RETURN_IF_ERROR(LoadTls(*state_));
  beast::error_code ec;
  auto address = net::ip::make_address(state_->options.host, ec);
  if (ec) return InvalidRequest("'" + state_->options.host + "' is not an IP address");
  tcp::endpoint endpoint(address, state_->options.port);
  auto& acceptor = state_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return IoError("cannot listen on " + state_->options.host + ":" +
                   std::to_string(state_->options.port) + ": " + ec.message());
  }
  Accept(*state_);
  return acceptor.local_endpoint().port();
}

void HttpServer::Run() {
  std::vector<std::thread> threads;
  for (int i = 1; i < state_->options.threads; ++i) {
    threads.emplace_back([this] { state_->ioc.run(); });
  }
  state_->ioc.run();
  for (auto& t : threads) t.join();
}

HttpServer::RefusedCounts HttpServer::refused() const {
  const auto& r = state_->refused;
  constexpr auto kRelaxed = std::memory_order_relaxed;  // independent counters
  return {r.malformed.load(kRelaxed), r.body_too_large.load(kRelaxed),
          r.headers_too_large.load(kRelaxed), r.timed_out.load(kRelaxed)};
}

void HttpServer::Stop() {
  net::post(state_->ioc, [this] {
    beast::error_code ec;
    state_->acceptor.close(ec);
    state_->ioc.stop();
  });
}

}  // namespace civitas::api
