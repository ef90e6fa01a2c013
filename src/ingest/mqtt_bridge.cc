#include "civitas/ingest/mqtt_bridge.h"

#include <mosquitto.h>

#include "civitas/core/log.h"
#include "civitas/ingest/device_mapping.h"
#include "civitas/ingest/iota_json.h"
#include "civitas/ingest/topic.h"
#include "civitas/ingest/ultralight.h"
#include "civitas/model/entity_json.h"
#include "civitas/model/entity_ops.h"

namespace civitas::ingest {
namespace {

constexpr const char* kTopics[] = {"/+/+/attrs",      "/+/+/attrs/+",      "/json/+/+/attrs",
                                   "/json/+/+/attrs/+", "/ul/+/+/attrs", "/ul/+/+/attrs/+"};

void LibraryInit() {
  static const int init = mosquitto_lib_init();
  (void)init;
}

extern "C" void OnConnectTrampoline(struct mosquitto*, void* self, int rc) {
  static_cast<MqttBridge*>(self)->OnConnect(rc);
}
extern "C" void OnSubscribeTrampoline(struct mosquitto*, void* self, int, int, const int*) {
  static_cast<MqttBridge*>(self)->OnSubscribe();
}
extern "C" void OnMessageTrampoline(struct mosquitto*, void* self,
                                    const struct mosquitto_message* message) {
  std::string_view topic = message->topic != nullptr ? message->topic : "";
  std::string_view payload(static_cast<const char*>(message->payload),
                           static_cast<size_t>(message->payloadlen));
  (void)static_cast<MqttBridge*>(self)->HandleMessage(topic, payload);
}

Result<std::vector<Measure>> ParseMeasures(const DeviceTopic& topic, const Device& device,
                                           std::string_view payload) {
  TopicProtocol protocol = topic.protocol;
  if (protocol == TopicProtocol::kUnspecified) {
    auto declared = ProtocolOf(device);
    if (declared) {
      protocol = *declared == PayloadProtocol::kJson ? TopicProtocol::kJson
                                                     : TopicProtocol::kUltraLight;
    } else {
      // Undeclared: a JSON document starts with { or [; anything else is UltraLight.
      bool json = !payload.empty() && (payload.front() == '{' || payload.front() == '[');
      protocol = json ? TopicProtocol::kJson : TopicProtocol::kUltraLight;
    }
  }
  if (topic.kind == TopicKind::kAttr) {
    auto format = protocol == TopicProtocol::kJson ? SingleMeasureFormat::kJson
                                                   : SingleMeasureFormat::kUltraLight;
    CIVITAS_ASSIGN_OR_RETURN(Measure measure, ParseSingleMeasure(topic.attr, payload, format));
    return std::vector<Measure>{std::move(measure)};
  }
  return protocol == TopicProtocol::kJson ? ParseIotaJson(payload) : ParseUltraLight(payload);
}

}  // namespace

MqttBridge::MqttBridge(DeviceRegistry& registry, store::Store& store,
                       model::ContextStore& contexts, const Clock& clock)
    : registry_(registry), store_(store), contexts_(contexts), clock_(clock) {}

MqttBridge::~MqttBridge() { Stop(); }

Status MqttBridge::Start(const std::string& host, uint16_t port, const MqttTls* tls) {
  LibraryInit();
  client_ = mosquitto_new(nullptr, /*clean_session=*/true, this);
  if (client_ == nullptr) return Internal("cannot create an MQTT client");
  mosquitto_connect_callback_set(client_, OnConnectTrampoline);
  mosquitto_subscribe_callback_set(client_, OnSubscribeTrampoline);
  mosquitto_message_callback_set(client_, OnMessageTrampoline);
  mosquitto_reconnect_delay_set(client_, 1, 30, true);
  if (tls != nullptr) {
    auto file_or_null = [](const std::string& f) { return f.empty() ? nullptr : f.c_str(); };
    int tls_rc = mosquitto_tls_set(client_, tls->ca_file.c_str(), nullptr,
                                   file_or_null(tls->cert_file), file_or_null(tls->key_file),
                                   nullptr);
    if (tls_rc == MOSQ_ERR_SUCCESS) {
      tls_rc = mosquitto_tls_opts_set(client_, /*SSL_VERIFY_PEER=*/1, "tlsv1.2", nullptr);
    }
    if (tls_rc != MOSQ_ERR_SUCCESS) {
      return InvalidRequest(std::string("MQTT TLS settings: ") + mosquitto_strerror(tls_rc));
    }
  }
  int rc = mosquitto_connect_async(client_, host.c_str(), port, /*keepalive=*/30);
  if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_ERRNO) {
    return InvalidRequest("--mqtt " + host + ":" + std::to_string(port) + ": " +
                          mosquitto_strerror(rc));
  }
  // With MOSQ_ERR_ERRNO (broker not up yet) the network thread keeps retrying.
  rc = mosquitto_loop_start(client_);
  if (rc != MOSQ_ERR_SUCCESS) return Internal(std::string("MQTT loop: ") + mosquitto_strerror(rc));
  spdlog::info("MQTT bridge connecting to {}:{}", host, port);
  return Status::Ok();
}

void MqttBridge::Stop() {
  if (client_ == nullptr) return;
  mosquitto_disconnect(client_);
  mosquitto_loop_stop(client_, /*force=*/false);
  mosquitto_destroy(client_);
  client_ = nullptr;
  subscribed_.store(false, std::memory_order_release);
}

void MqttBridge::OnConnect(int rc) {
  if (rc != 0) {
    spdlog::warn("MQTT broker refused the connection: {}", mosquitto_connack_string(rc));
    return;
  }
  subscribed_.store(false, std::memory_order_release);
  char* topics[std::size(kTopics)];
  for (size_t i = 0; i < std::size(kTopics); ++i) topics[i] = const_cast<char*>(kTopics[i]);
  int result = mosquitto_subscribe_multiple(client_, nullptr, static_cast<int>(std::size(kTopics)),
                                            topics, /*qos=*/1, 0, nullptr);
  if (result != MOSQ_ERR_SUCCESS) spdlog::error("MQTT subscribe: {}", mosquitto_strerror(result));
}

void MqttBridge::OnSubscribe() {
  subscribed_.store(true, std::memory_order_release);
  spdlog::info("MQTT bridge subscribed to the IoT Agent measure topics");
}

MqttBridge::Counters MqttBridge::counters() const {
  return {received_.load(std::memory_order_relaxed), applied_.load(std::memory_order_relaxed),
          rejected_.load(std::memory_order_relaxed)};
}

void MqttBridge::LogRejection(std::string_view device_id, const Status& status) {
  rejected_.fetch_add(1, std::memory_order_relaxed);
  Timestamp now = clock_.Now();
  std::lock_guard lock(log_mu_);
  auto [it, inserted] = last_logged_.try_emplace(std::string(device_id), now);
  if (!inserted) {
    if (now - it->second < std::chrono::minutes(1)) return;
    it->second = now;
  }
  // The status message never quotes payload values (ingest parsers guarantee it).
  spdlog::warn("MQTT message from device '{}' rejected: {}", device_id, status.message());
}

Status MqttBridge::HandleMessage(std::string_view topic_text, std::string_view payload) {
  received_.fetch_add(1, std::memory_order_relaxed);
  auto topic = ParseDeviceTopic(topic_text);
  if (!topic.ok()) {
    LogRejection("(unparsable topic)", topic.status());
    return topic.status();
  }
  if (topic->kind != TopicKind::kAttrs && topic->kind != TopicKind::kAttr) return Status::Ok();
  auto device = registry_.FindDevice(topic->device_id);
  if (!device || (!device->apikey.empty() && device->apikey != topic->apikey)) {
    Status unknown = NotFound("no device '" + topic->device_id + "' is provisioned under apikey '" +
                              topic->apikey + "'");
    LogRejection(topic->device_id, unknown);
    return unknown;
  }
  auto service = registry_.FindService(topic->apikey);
  auto measures = ParseMeasures(*topic, *device, payload);
  if (!measures.ok()) {
    LogRejection(topic->device_id, measures.status());
    return measures.status();
  }
  auto update = MeasuresToAttributes(*device, service ? &*service : nullptr, *measures, clock_.Now());
  if (!update.ok()) {
    LogRejection(topic->device_id, update.status());
    return update.status();
  }
  Status applied = Apply(update->entity_id, update->entity_type, update->fragments);
  if (!applied.ok()) {
    LogRejection(topic->device_id, applied);
    return applied;
  }
  applied_.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

Status MqttBridge::Apply(const std::string& entity_id, const std::string& entity_type,
                         const std::vector<boost::json::object>& fragments) {
  auto context = contexts_.Core();
  std::vector<std::vector<model::Attribute>> parsed;
  for (const auto& fragment : fragments) {
    CIVITAS_ASSIGN_OR_RETURN(auto attrs, model::ParseAttributes(fragment, *context, true));
    parsed.push_back(std::move(attrs));
  }
  const Timestamp now = clock_.Now();
  return store_.Mutate("", {&entity_id, 1}, [&](store::Mutation& m) -> Status {
    auto current = m.Get(entity_id);
    model::Entity entity;
    if (current.ok()) {
      entity = std::move(*current);
    } else {
      entity.id = entity_id;
      entity.types = {context->ExpandTerm(entity_type)};
      model::StampNew(entity, now);
    }
    std::vector<model::NotUpdated> ignored;
    for (auto& attrs : parsed) {
      model::WriteAttributes(entity, std::move(attrs), model::AttributeWriteMode::kAppendOverwrite,
                             now, ignored);
    }
    m.Put(std::move(entity));
    return Status::Ok();
  });
}

}  // namespace civitas::ingest
