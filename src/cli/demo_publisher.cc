#include "demo_publisher.h"

#include <mosquitto.h>

namespace civitas::cli {

MeasurePublisher::~MeasurePublisher() {
  if (client_ == nullptr) return;
  mosquitto_disconnect(client_);
  mosquitto_loop_stop(client_, false);
  mosquitto_destroy(client_);
}

Status MeasurePublisher::Connect(uint16_t port) {
  mosquitto_lib_init();
  client_ = mosquitto_new("civitas-demo-devices", true, this);
  if (client_ == nullptr) return IoError("cannot create an MQTT client");
  mosquitto_publish_callback_set(client_, [](mosquitto*, void* self, int) {
    static_cast<MeasurePublisher*>(self)->acknowledged_.fetch_add(1, std::memory_order_relaxed);
  });
  // Live measures may outpace a slow broker at high --speed; let libmosquitto queue them.
  mosquitto_max_inflight_messages_set(client_, 1000);
  if (mosquitto_connect(client_, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS) {
    return IoError("cannot connect to the demo's MQTT broker on port " + std::to_string(port));
  }
  if (mosquitto_loop_start(client_) != MOSQ_ERR_SUCCESS) return IoError("cannot start MQTT loop");
  return Status::Ok();
}

Status MeasurePublisher::Publish(const std::string& topic, const std::string& payload) {
  int rc = mosquitto_publish(client_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                             payload.data(), 1, false);
  if (rc != MOSQ_ERR_SUCCESS)
    return IoError(std::string("MQTT publish: ") + mosquitto_strerror(rc));
  return Status::Ok();
}

}  // namespace civitas::cli
