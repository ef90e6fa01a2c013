#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/core/time.h"
#include "civitas/model/context.h"
#include "civitas/notify/subscription.h"
#include "civitas/store/store.h"

namespace civitas::notify {

struct NotifierOptions {
  size_t change_queue_capacity = 65536;  // committed changes waiting to be matched
  size_t queue_capacity = 1024;          // pending entity notifications per subscription
  size_t max_entities_per_notification = 100;
  size_t workers = 4;                              // delivery threads
  std::chrono::milliseconds initial_backoff{100};  // doubles per consecutive failure
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::milliseconds timeout{5000};  // one delivery: connect, send, response
  std::chrono::milliseconds status_flush_interval{1000};
  size_t max_periodic_entities = 1000;  // entities in one periodic notification
};

// A subscription with its delivery status, as the API shows it.
struct SubscriptionView {
  std::shared_ptr<const Subscription> subscription;
  DeliveryStatus delivery;
};

// Counters for /metrics and tests.
struct NotifierCounters {
  uint64_t dropped_changes = 0;        // the change queue was full
  uint64_t dropped_notifications = 0;  // a subscription's queue was full (oldest dropped)
};

// Owns the subscriptions of every tenant and delivers their notifications (§5.8, §6.10).
//
// It is the store's change listener: OnCommitted only appends to a bounded change queue (a full
// queue drops the change and counts it, the writer never waits). One dispatcher thread matches
// changes (SubscriptionMatcher), renders the entities in each subscription's format and queues
// them per subscription (bounded, oldest dropped); it also runs periodic subscriptions
// (timeInterval), throttling and retry timers. A status thread persists delivery status
// every status_flush_interval. `workers` threads
// deliver, one notification per subscription at a time, so each subscription's notifications
// arrive in order: HTTP POST (keep-alive per endpoint and worker) or MQTT publish. A failed
// delivery is retried with exponential backoff (initial_backoff doubling up to max_backoff) and
// marks the subscription's notification status "failed" until one succeeds.
//
// Subscriptions are persisted in the store's metadata (docs/formats/subscription.md): CRUD is
// durable on return; delivery status is written every status_flush_interval without an fsync
// of its own (durable with the store's next group commit) and synced on Stop.
// Thread-safe. The store, contexts and clock must outlive it.
class Notifier final : public store::ChangeListener {
 public:
  Notifier(store::Store& store, model::ContextStore& contexts, const Clock& clock,
           NotifierOptions options = {});
  ~Notifier() override;  // Stop()

  // Reads the persisted subscriptions (call before Start). An unreadable record is skipped with
  // a warning; kIoError when the store cannot be read.
  Status Load();
  // Starts the dispatcher and workers. Call once.
  void Start();
  // Stops the threads (in-flight deliveries finish or time out) and writes delivery status.
  void Stop();

  void OnCommitted(store::Tenant tenant, std::vector<store::EntityChange>& changes) override;

  // kAlreadyExists when the tenant has a subscription with this id; kIoError when it cannot be
  // persisted (then nothing changed).
  Status Create(std::shared_ptr<const Subscription> subscription);
  // Replaces an existing subscription (same tenant and id), keeping its delivery status and
  // pending notifications. kNotFound when absent.
  Status Replace(std::shared_ptr<const Subscription> subscription);
  // kNotFound when absent.
  Status Delete(std::string_view tenant, std::string_view id);
  Result<SubscriptionView> Get(std::string_view tenant, std::string_view id) const;
  // The tenant's subscriptions ordered by id.
  std::vector<SubscriptionView> List(std::string_view tenant) const;

  NotifierCounters counters() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// A fresh "urn:ngsi-ld:Subscription:<uuid4>" / "urn:ngsi-ld:Notification:<uuid4>".
std::string NewSubscriptionId();
std::string NewNotificationId();

}  // namespace civitas::notify
