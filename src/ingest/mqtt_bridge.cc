#include "civitas/ingest/mqtt_bridge.h"

#include <mosquitto.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <iterator>
#include <set>
#include <thread>

#include "civitas/core/log.h"
#include "civitas/ingest/device_mapping.h"
#include "civitas/ingest/iota_json.h"
#include "civitas/ingest/topic.h"
#include "civitas/ingest/ultralight.h"
#include "civitas/model/entity_json.h"
#include "civitas/model/entity_ops.h"

namespace civitas::ingest {
namespace {

constexpr const char* kTopics[] = {"/+/+/attrs",        "/+/+/attrs/+",  "/json/+/+/attrs",
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
  static_cast<MqttBridge*>(self)->OnMessage(topic, payload);
}

Result<std::vector<Measure>> ParseMeasures(const DeviceTopic& topic, const Device& device,
                                           std::string_view payload) {
  TopicProtocol protocol = topic.protocol;
  if (protocol == TopicProtocol::kUnspecified) {
    auto declared = ProtocolOf(device);
    if (declared) {
      protocol =
          *declared == PayloadProtocol::kJson ? TopicProtocol::kJson : TopicProtocol::kUltraLight;
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

// One worker: a bounded queue of messages and the thread that applies them.
class MqttBridge::Worker {
 public:
  explicit Worker(MqttBridge& bridge) : bridge_(bridge), thread_([this] { Run(); }) {}
  ~Worker() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    not_empty_.notify_all();
    not_full_.notify_all();
    thread_.join();
  }

  void Push(Message message) {
    std::unique_lock lock(mu_);
    if (queue_.size() >= bridge_.options_.queue_capacity) {
      producer_waiting_ = true;
      not_full_.wait(lock, [&] { return queue_.size() < bridge_.options_.queue_capacity; });
      producer_waiting_ = false;
    }
    queue_.push_back(std::move(message));
    // The worker sleeps only on an empty queue: one wake-up per burst, not per message.
    if (queue_.size() == 1) not_empty_.notify_one();
  }

 private:
  void Run() {
    std::vector<Message> taken;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        not_empty_.wait(lock, [&] { return !queue_.empty() || stopping_; });
        if (queue_.empty()) return;  // stopping, and everything queued is applied
        const size_t n = std::min(queue_.size(), bridge_.options_.max_batch_messages);
        std::move(queue_.begin(), queue_.begin() + static_cast<long>(n), std::back_inserter(taken));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
        if (producer_waiting_) not_full_.notify_one();
      }
      bridge_.ApplyMessages(taken);
      taken.clear();
    }
  }

  MqttBridge& bridge_;
  std::mutex mu_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<Message> queue_;      // guarded by mu_
  bool stopping_ = false;          // guarded by mu_
  bool producer_waiting_ = false;  // guarded by mu_
  std::thread thread_;             // last: starts once the rest is built
};

struct MqttBridge::Update {
  std::string device_id;
  std::string entity_id;
  std::string entity_type;                            // expanded
  std::vector<std::vector<model::Attribute>> groups;  // applied in order
};

MqttBridge::MqttBridge(DeviceRegistry& registry, store::Store& store, model::ContextStore& contexts,
                       const Clock& clock, Options options)
    : registry_(registry), store_(store), contexts_(contexts), clock_(clock), options_(options) {}

MqttBridge::~MqttBridge() { Stop(); }

Status MqttBridge::Start(const std::string& host, uint16_t port, const MqttTls* tls) {
  LibraryInit();
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    workers_.push_back(std::make_unique<Worker>(*this));
  }
  client_ = mosquitto_new(nullptr, /*clean_session=*/true, this);
  if (client_ == nullptr) return Internal("cannot create an MQTT client");
  mosquitto_connect_callback_set(client_, OnConnectTrampoline);
  mosquitto_subscribe_callback_set(client_, OnSubscribeTrampoline);
  mosquitto_message_callback_set(client_, OnMessageTrampoline);
  mosquitto_reconnect_delay_set(client_, 1, 30, true);
  if (tls != nullptr) {
    auto file_or_null = [](const std::string& f) { return f.empty() ? nullptr : f.c_str(); };
    int tls_rc =
        mosquitto_tls_set(client_, tls->ca_file.c_str(), nullptr, file_or_null(tls->cert_file),
                          file_or_null(tls->key_file), nullptr);
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
  if (client_ != nullptr) {
    mosquitto_disconnect(client_);
    mosquitto_loop_stop(client_, /*force=*/false);
    mosquitto_destroy(client_);
    client_ = nullptr;
    subscribed_.store(false, std::memory_order_release);
  }
  workers_.clear();  // each applies what it holds, then joins
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

void MqttBridge::OnMessage(std::string_view topic, std::string_view payload) {
  received_.fetch_add(1, std::memory_order_relaxed);
  auto parsed = ParseDeviceTopic(topic);
  if (!parsed.ok()) {
    LogRejection("(unparsable topic)", parsed.status());
    return;
  }
  if (parsed->kind != TopicKind::kAttrs && parsed->kind != TopicKind::kAttr) return;
  const size_t worker = std::hash<std::string_view>{}(parsed->device_id) % workers_.size();
  workers_[worker]->Push({std::move(*parsed), std::string(payload)});
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

Result<MqttBridge::Update> MqttBridge::Prepare(const Message& message) {
  const DeviceTopic& topic = message.topic;
  Update update;
  update.device_id = topic.device_id;
  auto device = registry_.FindDevice(topic.device_id);
  if (!device || (!device->apikey.empty() && device->apikey != topic.apikey)) {
    return NotFound("no device '" + topic.device_id + "' is provisioned under apikey '" +
                    topic.apikey + "'");
  }
  auto service = registry_.FindService(topic.apikey);
  CIVITAS_ASSIGN_OR_RETURN(auto measures, ParseMeasures(topic, *device, message.payload));
  CIVITAS_ASSIGN_OR_RETURN(auto mapped, MeasuresToAttributes(*device, service ? &*service : nullptr,
                                                             measures, clock_.Now()));
  auto context = contexts_.Core();
  update.entity_id = std::move(mapped.entity_id);
  update.entity_type = context->ExpandTerm(mapped.entity_type);
  for (const auto& fragment : mapped.fragments) {
    CIVITAS_ASSIGN_OR_RETURN(auto attrs, model::ParseAttributes(fragment, *context, true));
    update.groups.push_back(std::move(attrs));
  }
  return update;
}

void MqttBridge::ApplyMessages(std::vector<Message>& messages) {
  std::vector<Update> batch;
  std::set<std::string, std::less<>> in_batch;
  for (const Message& message : messages) {
    auto update = Prepare(message);
    if (!update.ok()) {
      LogRejection(message.topic.device_id, update.status());
      continue;
    }
    // A second message for an entity waits for the next mutation: one Put per entity and
    // mutation, so history records both measures.
    if (in_batch.contains(update->entity_id)) {
      ApplyBatch(batch);
      in_batch.clear();
    }
    in_batch.insert(update->entity_id);
    batch.push_back(std::move(*update));
  }
  ApplyBatch(batch);
}

void MqttBridge::ApplyBatch(std::vector<Update>& batch) {
  if (batch.empty()) return;
  std::vector<std::string> ids;
  ids.reserve(batch.size());
  for (const auto& update : batch) ids.push_back(update.entity_id);
  const Timestamp now = clock_.Now();
  Status applied = store_.Mutate("", ids, [&](store::Mutation& m) -> Status {
    for (auto& update : batch) {
      auto current = m.Get(update.entity_id);
      model::Entity entity;
      if (current.ok()) {
        entity = std::move(*current);
      } else if (current.status().code() == StatusCode::kNotFound) {
        entity.id = update.entity_id;
        entity.types = {update.entity_type};
        model::StampNew(entity, now);
      } else {
        return current.status();
      }
      std::vector<model::NotUpdated> ignored;
      for (auto& attrs : update.groups) {
        model::WriteAttributes(entity, std::move(attrs),
                               model::AttributeWriteMode::kAppendOverwrite, now, ignored);
      }
      m.Put(std::move(entity));
    }
    return Status::Ok();
  });
  if (applied.ok()) {
    applied_.fetch_add(batch.size(), std::memory_order_relaxed);
  } else {
    for (const auto& update : batch) LogRejection(update.device_id, applied);
  }
  batch.clear();
}

}  // namespace civitas::ingest
