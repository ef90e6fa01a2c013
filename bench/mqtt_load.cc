// civitas_mqtt_load: sustained MQTT device ingest through a real mosquitto into civitas.
//
// Provisions one service group and N UltraLight devices over civitas's IoT Agent API, publishes
// M messages of K measures each (round-robin over the devices, as fast as the broker takes
// them), then polls civitas until every device's entity shows its last message. The figure is
// measures applied per second, first publish to last entity visible. Prints one key=value line.

#include <mosquitto.h>

#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

struct Options {
  uint16_t http_port = 0;
  uint16_t mqtt_port = 1883;
  int devices = 1000;
  int messages = 100000;
  int measures = 3;  // per message, besides the sequence number
  int qos = 0;
  int max_seconds = 120;
  std::string run = "a";  // names this run's devices and entity type, so runs do not mix
};

// One keep-alive HTTP connection to civitas.
class Http {
 public:
  explicit Http(uint16_t port) : socket_(io_) {
    asio::ip::tcp::resolver resolver(io_);
    asio::connect(socket_, resolver.resolve("127.0.0.1", std::to_string(port)));
  }
  std::pair<unsigned, std::string> Send(http::verb verb, const std::string& target,
                                        const std::string& body = "") {
    http::request<http::string_body> request(verb, target, 11);
    request.set(http::field::host, "127.0.0.1");
    if (!body.empty()) request.set(http::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
    http::write(socket_, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(socket_, buffer, response);
    return {response.result_int(), response.body()};
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
};

std::string g_run;  // Options::run

std::string DeviceId(int i) {
  char id[32];
  std::snprintf(id, sizeof id, "%05d", i);
  return "load" + g_run + "-" + id;
}
std::string EntityType() { return "Load" + g_run; }

bool Provision(Http& http, int devices) {
  auto [service_status, service_body] =
      http.Send(http::verb::post, "/iot/services",
                R"({"services":[{"apikey":"load)" + g_run + R"(","entity_type":")" + EntityType() +
                    R"(","resource":"/iot/d"}]})");
  if (service_status != 201 && service_status != 409) {
    std::fprintf(stderr, "provisioning the service: %u %s\n", service_status, service_body.c_str());
    return false;
  }
  for (int first = 0; first < devices; first += 500) {
    boost::json::array batch;
    for (int i = first; i < std::min(devices, first + 500); ++i) {
      batch.push_back(boost::json::object{
          {"device_id", DeviceId(i)}, {"apikey", "load" + g_run}, {"protocol", "IoTA-UL"}});
    }
    auto [status, body] =
        http.Send(http::verb::post, "/iot/devices",
                  boost::json::serialize(boost::json::object{{"devices", batch}}));
    if (status != 201 && status != 409) {
      std::fprintf(stderr, "provisioning devices: %u %s\n", status, body.c_str());
      return false;
    }
  }
  return true;
}

// The "seq" a device's entity shows now, or -1.
int64_t SeqOf(Http& http, int device) {
  auto [status, body] =
      http.Send(http::verb::get, "/ngsi-ld/v1/entities/urn:ngsi-ld:" + EntityType() + ":" +
                                     DeviceId(device) + "?attrs=seq&options=keyValues");
  if (status != 200) return -1;
  boost::system::error_code ec;
  auto entity = boost::json::parse(body, ec);
  if (ec || !entity.is_object() || !entity.as_object().contains("seq")) return -1;
  const auto& seq = entity.as_object().at("seq");
  if (seq.is_int64()) return seq.as_int64();
  if (seq.is_double()) return static_cast<int64_t>(seq.as_double());
  if (seq.is_string()) return std::stoll(std::string(seq.as_string()));
  return -1;
}

// How many `seq` samples the devices' histories hold: each applied message records one.
int64_t RecordedMessages(Http& http, int devices) {
  int64_t total = 0;
  for (int offset = 0; offset < devices; offset += 1000) {
    auto [status, body] =
        http.Send(http::verb::get, "/ngsi-ld/v1/temporal/entities?type=" + EntityType() +
                                       "&attrs=seq&options=aggregatedValues"
                                       "&aggrMethods=totalCount&limit=1000&offset=" +
                                       std::to_string(offset));
    if (status != 200) return -1;
    boost::system::error_code ec;
    auto entities = boost::json::parse(body, ec);
    if (ec || !entities.is_array()) return -1;
    for (const auto& entity : entities.as_array()) {
      const auto* seq = entity.as_object().if_contains("seq");
      if (seq == nullptr) continue;
      for (const auto& bucket : seq->as_object().at("totalCount").as_array()) {
        total += bucket.as_array().at(0).to_number<int64_t>();
      }
    }
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"MQTT ingest load for civitas (UltraLight 2.0 through mosquitto)"};
  app.add_option("--http-port", o.http_port, "civitas HTTP port")->required();
  app.add_option("--mqtt-port", o.mqtt_port, "mosquitto port")->capture_default_str();
  app.add_option("--devices", o.devices)->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_option("--messages", o.messages)->check(CLI::Range(1, 100000000))->capture_default_str();
  app.add_option("--measures", o.measures, "measures per message besides seq")
      ->check(CLI::Range(1, 50))
      ->capture_default_str();
  app.add_option("--qos", o.qos)->check(CLI::Range(0, 1))->capture_default_str();
  app.add_option("--max-seconds", o.max_seconds, "give up waiting after this long")
      ->capture_default_str();
  app.add_option("--run", o.run, "names this run's devices and entity type")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  g_run = o.run;

  Http http(o.http_port);
  if (!Provision(http, o.devices)) return 1;

  mosquitto_lib_init();
  mosquitto* client = mosquitto_new("civitas-mqtt-load", true, nullptr);
  // Many messages in flight: the publisher must not be the bottleneck.
  mosquitto_int_option(client, MOSQ_OPT_SEND_MAXIMUM, 65535);
  mosquitto_max_inflight_messages_set(client, 0);
  if (mosquitto_connect(client, "127.0.0.1", o.mqtt_port, 60) != MOSQ_ERR_SUCCESS) {
    std::fprintf(stderr, "cannot connect to mosquitto on %u\n", o.mqtt_port);
    return 1;
  }
  mosquitto_loop_start(client);

  std::vector<int64_t> last_seq(static_cast<size_t>(o.devices), -1);
  std::vector<std::string> topics;
  for (int d = 0; d < o.devices; ++d)
    topics.push_back("/ul/load" + g_run + "/" + DeviceId(d) + "/attrs");
  std::string payload;
  const auto start = Clock::now();
  for (int m = 0; m < o.messages; ++m) {
    const int device = m % o.devices;
    payload.clear();
    for (int k = 0; k < o.measures; ++k) {
      payload +=
          'a' + std::to_string(k) + '|' + std::to_string((m * 7 + k * 13) % 1000 / 10.0) + '|';
    }
    payload += "seq|" + std::to_string(m);
    const int rc =
        mosquitto_publish(client, nullptr, topics[static_cast<size_t>(device)].c_str(),
                          static_cast<int>(payload.size()), payload.data(), o.qos, false);
    if (rc != MOSQ_ERR_SUCCESS) {
      std::fprintf(stderr, "publish: %s\n", mosquitto_strerror(rc));
      return 1;
    }
    last_seq[static_cast<size_t>(device)] = m;
  }
  const double publish_s = std::chrono::duration<double>(Clock::now() - start).count();

  // Every device's last message visible in its entity.
  const auto deadline = start + std::chrono::seconds(o.max_seconds);
  int done = 0;
  while (done < o.devices && Clock::now() < deadline) {
    if (SeqOf(http, done) == last_seq[static_cast<size_t>(done)]) {
      ++done;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  mosquitto_disconnect(client);
  mosquitto_loop_stop(client, false);
  mosquitto_destroy(client);
  mosquitto_lib_cleanup();

  const int64_t recorded = RecordedMessages(http, o.devices);
  const double measures = static_cast<double>(o.messages) * (o.measures + 1);
  const bool complete = done == o.devices && recorded == o.messages;
  std::printf(
      "devices=%d messages=%d measures_per_message=%d qos=%d publish_s=%.3f seconds=%.3f "
      "messages_per_s=%.0f measures_per_s=%.0f recorded_messages=%lld complete=%s\n",
      o.devices, o.messages, o.measures + 1, o.qos, publish_s, seconds, o.messages / seconds,
      measures / seconds, static_cast<long long>(recorded), complete ? "yes" : "no");
  return complete ? 0 : 1;
}
