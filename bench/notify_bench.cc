// Notification latency: an update committed to the real store (RocksDB in a temp dir) until the
// webhook — a real HTTP server on 127.0.0.1 in this process — has read the notification.
// Updates go out open-loop at a fixed rate over `--entities` entities, each watched by one
// subscription, so every update produces one notification. Prints p50/p99/p999/max.
//
//   build/release/bench/notify_bench --rate 10000 --seconds 5 --subscriptions 1000

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "civitas/model/context.h"
#include "civitas/notify/notifier.h"
#include "civitas/store/store.h"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kVocab = "https://uri.etsi.org/ngsi-ld/default-context/";

// The webhook: records, per update sequence number, when its notification was read.
class Webhook {
 public:
  explicit Webhook(size_t expected) : received_(expected) {
    net::ip::tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Webhook() {
    io_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  size_t count() const { return count_.load(std::memory_order_acquire); }
  const std::vector<Clock::time_point>& received() const { return received_; }

 private:
  struct Session : std::enable_shared_from_this<Session> {
    Session(Webhook& w, net::ip::tcp::socket s) : webhook(w), stream(std::move(s)) {}
    void Read() {
      request = {};
      http::async_read(stream, buffer, request,
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (!ec) self->Answer();
                       });
    }
    void Answer() {
      auto now = Clock::now();
      boost::system::error_code ec;
      auto body = json::parse(request.body(), ec);
      if (!ec) {
        for (const auto& item : body.at("data").as_array()) {
          auto seq = item.at("seq").to_number<int64_t>();
          if (seq >= 0 && static_cast<size_t>(seq) < webhook.received_.size()) {
            webhook.received_[seq] = now;
            webhook.count_.fetch_add(1, std::memory_order_release);
          }
        }
      }
      response = {http::status::ok, request.version()};
      response.keep_alive(true);
      response.prepare_payload();
      http::async_write(stream, response, [self = shared_from_this()](beast::error_code e, size_t) {
        if (!e) self->Read();
      });
    }
    Webhook& webhook;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::empty_body> response;
  };
  void Accept() {
    acceptor_.async_accept([this](beast::error_code ec, net::ip::tcp::socket socket) {
      if (ec) return;
      std::make_shared<Session>(*this, std::move(socket))->Read();
      Accept();
    });
  }

  net::io_context io_;
  net::ip::tcp::acceptor acceptor_{io_};
  int port_ = 0;
  std::thread thread_;
  std::vector<Clock::time_point> received_;  // written by the io thread only
  std::atomic<size_t> count_{0};
};

std::string EntityId(int i) { return "urn:ngsi-ld:Sensor:" + std::to_string(i); }

civitas::model::Entity Sensor(int i, int64_t seq) {
  civitas::model::Entity e;
  e.id = EntityId(i);
  e.types = {std::string(kVocab) + "Sensor"};
  civitas::model::Attribute a;
  a.name = std::string(kVocab) + "seq";
  a.value = seq;
  e.attributes.push_back(std::move(a));
  return e;
}

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t index = std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()));
  return sorted[index];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"notification latency benchmark"};
  int rate = 10000, seconds = 5, subscriptions = 1000, workers = 4, flush_ms = 1000;
  app.add_option("--rate", rate, "updates per second");
  app.add_option("--seconds", seconds, "duration of the measured run");
  app.add_option("--subscriptions", subscriptions, "subscriptions (one per entity)");
  app.add_option("--workers", workers, "notifier delivery threads");
  app.add_option("--status-flush-ms", flush_ms, "delivery status persistence interval");
  CLI11_PARSE(app, argc, argv);

  auto dir = std::filesystem::temp_directory_path() /
             ("civitas-notify-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto store = civitas::store::Store::Open({.data_dir = dir.string()});
  auto contexts = civitas::model::OpenContextStore("");
  if (!store.ok() || !contexts.ok()) {
    std::fprintf(stderr, "cannot open the store or contexts\n");
    return 1;
  }
  const size_t total = static_cast<size_t>(rate) * seconds;
  Webhook webhook(total);
  civitas::notify::Notifier notifier(
      **store, **contexts, civitas::Clock::System(),
      {.workers = static_cast<size_t>(workers),
       .status_flush_interval = std::chrono::milliseconds(flush_ms)});
  for (int i = 0; i < subscriptions; ++i) {
    auto body = json::parse(R"({"type": "Subscription", "entities": [{"type": "Sensor", "id": ")" +
                            EntityId(i) +
                            R"("}], "notification": {"format": "keyValues", "endpoint": {"uri":
                            "http://127.0.0.1:)" +
                            std::to_string(webhook.port()) + R"(/notify"}}})");
    auto sub = civitas::notify::ParseSubscription(body, (*contexts)->Core(),
                                                  civitas::notify::NewSubscriptionId());
    if (!sub.ok() ||
        !notifier.Create(std::make_shared<const civitas::notify::Subscription>(std::move(*sub)))
             .ok()) {
      std::fprintf(stderr, "cannot create subscription %d\n", i);
      return 1;
    }
  }
  // Entities exist before the run, so every measured write is an update.
  for (int i = 0; i < subscriptions; ++i) {
    std::string id = EntityId(i);
    (void)(*store)->Mutate("", {&id, 1}, [&](civitas::store::Mutation& m) {
      m.Put(Sensor(i, -1));
      return civitas::Status::Ok();
    });
  }
  (*store)->SetChangeListener(&notifier);
  notifier.Start();

  std::vector<Clock::time_point> sent(total);
  auto start = Clock::now();
  auto interval = std::chrono::nanoseconds(1'000'000'000LL / rate);
  size_t late = 0;
  for (size_t seq = 0; seq < total; ++seq) {
    auto due = start + interval * static_cast<int64_t>(seq);
    // Open loop: follow the schedule, never wait for the notifier. Sleeping (not spinning)
    // leaves the cores to the notifier on small machines.
    std::this_thread::sleep_until(due);
    if (Clock::now() - due > std::chrono::milliseconds(1)) ++late;
    int i = static_cast<int>(seq % subscriptions);
    std::string id = EntityId(i);
    auto status = (*store)->Mutate("", {&id, 1}, [&](civitas::store::Mutation& m) {
      m.Put(Sensor(i, static_cast<int64_t>(seq)));
      return civitas::Status::Ok();
    });
    sent[seq] = Clock::now();  // accepted: committed and visible
    if (!status.ok()) {
      std::fprintf(stderr, "write failed: %s\n", status.message().c_str());
      return 1;
    }
  }
  auto writes_done = Clock::now();
  auto deadline = writes_done + std::chrono::seconds(30);
  while (webhook.count() < total && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  notifier.Stop();
  (*store)->SetChangeListener(nullptr);

  std::vector<double> latencies_ms;
  latencies_ms.reserve(total);
  for (size_t seq = 0; seq < total; ++seq) {
    auto at = webhook.received()[seq];
    if (at == Clock::time_point{}) continue;
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(at - sent[seq]).count());
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  double achieved = total / std::chrono::duration<double>(writes_done - start).count();
  auto counters = notifier.counters();
  std::printf(
      "updates %zu at %.0f/s (target %d/s, %zu late >1ms), subscriptions %d, workers %d\n"
      "notified %zu (dropped changes %llu, dropped notifications %llu)\n"
      "latency ms: p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
      total, achieved, rate, late, subscriptions, workers, latencies_ms.size(),
      static_cast<unsigned long long>(counters.dropped_changes),
      static_cast<unsigned long long>(counters.dropped_notifications),
      Percentile(latencies_ms, 0.50), Percentile(latencies_ms, 0.99),
      Percentile(latencies_ms, 0.999), latencies_ms.empty() ? 0 : latencies_ms.back());
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
