#include <mosquitto.h>

#include "src/notify/delivery.h"

namespace civitas::notify {

MqttDelivery::~MqttDelivery() {
  for (auto& [key, client] : clients_) {
    mosquitto_disconnect(client);
    mosquitto_loop_stop(client, true);
    mosquitto_destroy(client);
  }
}

Status MqttDelivery::Publish(const Endpoint& endpoint, const std::string& payload) {
  static const int init = mosquitto_lib_init();
  (void)init;
  std::string key = endpoint.host + ":" + std::to_string(endpoint.port);
  mosquitto* client = nullptr;
  {
    std::lock_guard lock(mu_);
    auto it = clients_.find(key);
    if (it == clients_.end()) {
      client = mosquitto_new(nullptr, true, nullptr);
      if (client == nullptr) return IoError("cannot create an MQTT client");
      // Connect synchronously once; afterwards the network thread reconnects by itself.
      int rc = mosquitto_connect(client, endpoint.host.c_str(), endpoint.port, 30);
      if (rc != MOSQ_ERR_SUCCESS) {
        mosquitto_destroy(client);
        return IoError("cannot connect to the MQTT broker: " + std::string(mosquitto_strerror(rc)));
      }
      mosquitto_loop_start(client);
      clients_.emplace(key, client);
    } else {
      client = it->second;
    }
  }
  int rc =
      mosquitto_publish(client, nullptr, endpoint.target.c_str(), static_cast<int>(payload.size()),
                        payload.data(), endpoint.mqtt_qos, false);
  if (rc != MOSQ_ERR_SUCCESS) {
    return IoError("MQTT publish failed: " + std::string(mosquitto_strerror(rc)));
  }
  return Status::Ok();
}

}  // namespace civitas::notify
