#include "notification_receiver.h"

#include <gtest/gtest.h>
#include <mosquitto.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace civitas::testing {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

boost::json::value ParseOrNull(std::string_view text) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  return ec ? boost::json::value() : value;
}

}  // namespace

void NotificationLog::Add(ReceivedNotification notification) {
  {
    std::lock_guard lock(mu_);
    received_.push_back(std::move(notification));
  }
  cv_.notify_all();
}

std::vector<ReceivedNotification> NotificationLog::WaitFor(
    size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
  return received_;
}

std::vector<ReceivedNotification> NotificationLog::All() const {
  std::lock_guard lock(mu_);
  return received_;
}

struct HttpReceiver::Impl {
  net::io_context io;
  tcp::acceptor acceptor{io};
  std::atomic<int> status{200};
  std::thread thread;
  HttpReceiver* log = nullptr;

  struct Session : std::enable_shared_from_this<Session> {
    Session(Impl& owner, tcp::socket socket) : impl(owner), stream(std::move(socket)) {}
    void Read() {
      request = {};
      http::async_read(stream, buffer, request,
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (!ec) self->Answer();
                       });
    }
    void Answer() {
      ReceivedNotification got;
      got.target = std::string(request.target());
      for (const auto& field : request) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        got.headers[name] = std::string(field.value());
      }
      got.body = ParseOrNull(request.body());
      got.received_at = std::chrono::steady_clock::now();
      impl.log->Add(std::move(got));
      response = {static_cast<http::status>(impl.status.load()), request.version()};
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      http::async_write(stream, response,
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (!ec && self->response.keep_alive()) self->Read();
                        });
    }
    Impl& impl;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::empty_body> response;
  };

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      std::make_shared<Session>(*this, std::move(socket))->Read();
      Accept();
    });
  }
};

HttpReceiver::HttpReceiver() : impl_(std::make_unique<Impl>()) {
  impl_->log = this;
  tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->Accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

HttpReceiver::~HttpReceiver() {
  impl_->io.stop();
  impl_->thread.join();
}

std::string HttpReceiver::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void HttpReceiver::SetStatus(int status) { impl_->status.store(status); }

struct MqttReceiver::State {
  NotificationLog* log;
  std::string topic;
  std::atomic<bool> subscribed{false};
};

MqttReceiver::MqttReceiver(int port, const std::string& topic) {
  mosquitto_lib_init();
  state_.reset(new State{this, topic});  // braces: clang 14 has no parenthesised aggregate init
  client_ = mosquitto_new(nullptr, true, state_.get());
  mosquitto_connect_callback_set(client_, [](mosquitto* m, void* user, int rc) {
    if (rc == 0) mosquitto_subscribe(m, nullptr, static_cast<State*>(user)->topic.c_str(), 1);
  });
  mosquitto_subscribe_callback_set(client_, [](mosquitto*, void* user, int, int, const int*) {
    static_cast<State*>(user)->subscribed = true;
  });
  mosquitto_message_callback_set(client_, [](mosquitto*, void* user, const mosquitto_message* m) {
    ReceivedNotification got;
    got.target = m->topic;
    got.qos = m->qos;
    got.body = ParseOrNull(
        std::string_view(static_cast<const char*>(m->payload), static_cast<size_t>(m->payloadlen)));
    got.received_at = std::chrono::steady_clock::now();
    static_cast<State*>(user)->log->Add(std::move(got));
  });
  EXPECT_EQ(mosquitto_connect(client_, "127.0.0.1", port, 30), MOSQ_ERR_SUCCESS);
  mosquitto_loop_start(client_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!subscribed() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_TRUE(subscribed()) << "the MQTT test subscriber never got its SUBACK";
}

MqttReceiver::~MqttReceiver() {
  mosquitto_disconnect(client_);
  mosquitto_loop_stop(client_, true);
  mosquitto_destroy(client_);
}

bool MqttReceiver::subscribed() const { return state_->subscribed.load(); }

}  // namespace civitas::testing
