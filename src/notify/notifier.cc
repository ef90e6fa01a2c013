#include "civitas/notify/notifier.h"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "civitas/core/log.h"
#include "civitas/notify/subscription_matcher.h"
#include "src/notify/delivery.h"
#include "src/notify/notification.h"

namespace civitas::notify {
namespace json = boost::json;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

constexpr std::string_view kMetaPrefix = "subscription/";

std::string Key(std::string_view tenant, std::string_view id) {
  std::string key(tenant);
  key += '/';
  key += id;
  return key;
}

std::string NewUrn(std::string_view kind) {
  thread_local std::mt19937_64 random(std::random_device{}());
  uint64_t high = random(), low = random();
  high = (high & ~0xF000ull) | 0x4000ull;                       // version 4
  low = (low & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xFFFF), static_cast<unsigned>(high & 0xFFFF),
                static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFull));
  return "urn:ngsi-ld:" + std::string(kind) + ":" + text;
}

}  // namespace

std::string NewSubscriptionId() { return NewUrn("Subscription"); }
std::string NewNotificationId() { return NewUrn("Notification"); }

// The mutable state of one subscription. Guarded by Impl::mu_.
struct SubscriptionState {
  std::shared_ptr<const Subscription> subscription;
  DeliveryStatus delivery;
  std::deque<json::object> queue;  // rendered entities waiting to be sent, oldest first
  bool in_flight = false;          // a worker is delivering (so at most one at a time)
  bool ready = false;              // in Impl::ready_
  std::optional<SteadyTime> gate;  // no delivery before (backoff or throttling)
  int consecutive_failures = 0;
  std::optional<SteadyTime> last_attempt;
  bool removed = false;
  bool dirty = false;  // delivery status not yet persisted
};

struct Notifier::Impl {
  store::Store& store;
  model::ContextStore& contexts;
  const Clock& clock;
  NotifierOptions options;

  // The change queue: the write path only ever takes changes_mu_, briefly.
  mutable std::mutex changes_mu_;
  std::condition_variable changes_cv_;
  struct TenantChanges {
    std::string tenant;
    std::vector<store::EntityChange> changes;
  };
  std::vector<TenantChanges> changes_;  // guarded by changes_mu_
  size_t queued_changes_ = 0;           // guarded by changes_mu_
  bool wake_dispatcher_ = false;        // guarded by changes_mu_: timers changed
  bool stopping_ = false;               // guarded by changes_mu_ and mu_

  // Serialises writes of subscription records (CRUD and status flushes), so a flush never
  // resurrects a deleted subscription or overwrites a newer version. Taken before mu_.
  std::mutex persist_mu_;

  mutable std::mutex mu_;
  std::condition_variable ready_cv_;
  std::map<std::string, std::shared_ptr<SubscriptionState>> states_;  // by Key(tenant, id)
  // states_.size(), readable without mu_: with no subscription at all the write path does not
  // queue its changes (nothing could match them). Release/acquire: a write that starts after
  // Create returned sees the subscription; one racing it was not covered by it either way.
  std::atomic<size_t> subscription_count_{0};
  SubscriptionMatcher matcher_;
  std::deque<std::shared_ptr<SubscriptionState>> ready_;
  struct Timer {
    std::weak_ptr<SubscriptionState> state;
    bool periodic;  // else: a gate (backoff, throttling) ends
  };
  std::multimap<SteadyTime, Timer> timers_;
  NotifierCounters counters_;
  uint64_t dropped_changes_ = 0;  // guarded by changes_mu_

  // The status thread persists delivery status; its own wait, so a slow write never delays
  // matching or delivery.
  std::mutex status_mu_;
  std::condition_variable status_cv_;
  bool status_stopping_ = false;  // guarded by status_mu_

  MqttDelivery mqtt_;
  std::thread dispatcher_;
  std::thread status_thread_;
  std::vector<std::thread> workers_;

  Impl(store::Store& s, model::ContextStore& c, const Clock& k, NotifierOptions o)
      : store(s), contexts(c), clock(k), options(o) {}

  std::string Record(const Subscription& sub, const DeliveryStatus& delivery) const {
    json::object record{
        {"v", 1},
        {"tenant", sub.tenant},
        {"context", sub.context->Source()},
        {"subscription", RenderSubscription(sub, delivery, *sub.context, clock.Now())}};
    return json::serialize(record);
  }

  // Lock order: mu_ before changes_mu_.
  void ArmTimer(const std::shared_ptr<SubscriptionState>& state, SteadyTime at,
                bool periodic = false) {
    timers_.emplace(at, Timer{state, periodic});
    {
      std::lock_guard lock(changes_mu_);
      wake_dispatcher_ = true;
    }
    changes_cv_.notify_one();
  }

  // Queues the state for a worker unless one has it, or a gate (backoff, throttling) holds it.
  void MakeReady(const std::shared_ptr<SubscriptionState>& state, SteadyTime now) {
    if (state->removed || state->in_flight || state->ready || state->queue.empty()) return;
    if (state->gate && *state->gate > now) return;  // its timer is armed
    state->gate.reset();
    const auto& throttling = state->subscription->throttling;
    if (throttling && state->last_attempt && *state->last_attempt + *throttling > now) {
      state->gate = *state->last_attempt + *throttling;
      ArmTimer(state, *state->gate);
      return;
    }
    state->ready = true;
    ready_.push_back(state);
    ready_cv_.notify_one();
  }

  void Enqueue(const std::shared_ptr<SubscriptionState>& state, json::object entity,
               SteadyTime now) {
    if (state->queue.size() >= options.queue_capacity) {
      state->queue.pop_front();
      ++counters_.dropped_notifications;
    }
    state->queue.push_back(std::move(entity));
    MakeReady(state, now);
  }

  void StartPeriodic(const std::shared_ptr<SubscriptionState>& state, SteadyTime now) {
    if (state->subscription->time_interval) {
      ArmTimer(state, now + *state->subscription->time_interval, /*periodic=*/true);
    }
  }

  NotifierCounters Counters() const {
    NotifierCounters counters;
    {
      std::lock_guard lock(mu_);
      counters = counters_;
    }
    std::lock_guard lock(changes_mu_);
    counters.dropped_changes = dropped_changes_;
    return counters;
  }

  void DispatchChanges(std::vector<TenantChanges> batch);
  void RunPeriodic(const std::shared_ptr<SubscriptionState>& state);
  void FireTimers(SteadyTime now, std::vector<std::shared_ptr<SubscriptionState>>& periodic);
  void FlushStatus();
  void DispatcherLoop();
  void StatusLoop();
  void WorkerLoop();
  void Deliver(HttpDelivery& http, const std::shared_ptr<SubscriptionState>& state);
};

void Notifier::Impl::DispatchChanges(std::vector<TenantChanges> batch) {
  for (auto& [tenant, changes] : batch) {
    for (const auto& change : changes) {
      std::vector<std::shared_ptr<const Subscription>> matched;
      {
        std::lock_guard lock(mu_);
        matched = matcher_.Match(tenant, change, clock.Now());
      }
      if (matched.empty()) continue;
      // Rendering happens outside the lock: it is the expensive part.
      std::vector<json::object> rendered;
      rendered.reserve(matched.size());
      for (const auto& sub : matched) rendered.push_back(RenderNotifiedEntity(*sub, change));
      std::lock_guard lock(mu_);
      SteadyTime now = std::chrono::steady_clock::now();
      for (size_t i = 0; i < matched.size(); ++i) {
        auto it = states_.find(Key(tenant, matched[i]->id));
        if (it != states_.end()) Enqueue(it->second, std::move(rendered[i]), now);
      }
    }
  }
}

void Notifier::Impl::RunPeriodic(const std::shared_ptr<SubscriptionState>& state) {
  std::shared_ptr<const Subscription> sub;
  {
    std::lock_guard lock(mu_);
    if (state->removed) return;
    sub = state->subscription;
  }
  if (!sub->time_interval) return;  // replaced by a non-periodic one
  json::array data;
  if (sub->Notifies(clock.Now()) && store.TenantExists(sub->tenant)) {
    auto view = store.Read(sub->tenant);
    std::set<std::string> seen;
    for (const auto& selector : sub->entities) {
      query::EntityQuery query;
      query.types = {{selector.type}};
      if (!selector.id.empty()) query.ids = {selector.id};
      if (selector.pattern) query.id_pattern = *selector.pattern;
      query.limit = options.max_periodic_entities;
      auto page = query::RunEntityQuery(*view, query);
      if (!page.ok()) {
        spdlog::warn("periodic subscription {}: {}", sub->id, page.status().message());
        continue;
      }
      for (const auto& entity : page->entities) {
        if (data.size() >= options.max_periodic_entities) break;
        if (!query::MatchesEntityQuery(entity, sub->filter) || !seen.insert(entity.id).second) {
          continue;
        }
        data.push_back(RenderNotifiedEntity(*sub, entity));
      }
    }
  }
  std::lock_guard lock(mu_);
  SteadyTime now = std::chrono::steady_clock::now();
  for (auto& entity : data) Enqueue(state, std::move(entity.as_object()), now);
  if (!state->removed && state->subscription->time_interval) {
    ArmTimer(state, now + *state->subscription->time_interval, /*periodic=*/true);
  }
}

void Notifier::Impl::FireTimers(SteadyTime now,
                                std::vector<std::shared_ptr<SubscriptionState>>& periodic) {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    auto state = timers_.begin()->second.state.lock();
    bool is_periodic = timers_.begin()->second.periodic;
    timers_.erase(timers_.begin());
    if (!state || state->removed) continue;
    if (is_periodic) {
      periodic.push_back(state);
    } else if (state->gate && *state->gate <= now) {
      state->gate.reset();
      MakeReady(state, now);
    }
  }
}

void Notifier::Impl::FlushStatus() {
  struct Dirty {
    std::string key;
    std::shared_ptr<const Subscription> subscription;
    DeliveryStatus delivery;
  };
  std::lock_guard persist(persist_mu_);
  std::vector<Dirty> dirty;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, state] : states_) {
      if (!state->dirty) continue;
      state->dirty = false;
      dirty.push_back({std::string(kMetaPrefix) + key, state->subscription, state->delivery});
    }
  }
  if (dirty.empty()) return;
  // Rendered without the lock, so workers and the dispatcher are not held up.
  std::vector<std::pair<std::string, std::string>> records;
  records.reserve(dirty.size());
  for (auto& d : dirty) records.emplace_back(std::move(d.key), Record(*d.subscription, d.delivery));
  if (auto s = store.PutMetas(records); !s.ok()) {
    spdlog::warn("cannot persist subscription status: {}", s.message());
  }
}

void Notifier::Impl::StatusLoop() {
  NotifierCounters reported;
  std::unique_lock lock(status_mu_);
  while (!status_stopping_) {
    status_cv_.wait_for(lock, options.status_flush_interval, [&] { return status_stopping_; });
    lock.unlock();
    FlushStatus();
    // Drops are counted on the hot path and reported here, at most once per interval.
    NotifierCounters now = Counters();
    if (now.dropped_changes != reported.dropped_changes ||
        now.dropped_notifications != reported.dropped_notifications) {
      spdlog::warn("notifier queues full: dropped {} changes and {} notifications so far",
                   now.dropped_changes, now.dropped_notifications);
      reported = now;
    }
    lock.lock();
  }
}

void Notifier::Impl::DispatcherLoop() {
  while (true) {
    std::vector<TenantChanges> batch;
    SteadyTime wake = SteadyTime::max();
    {
      // A timer armed after this sets wake_dispatcher_, so the wait below cannot miss it.
      std::lock_guard lock(mu_);
      if (!timers_.empty()) wake = std::min(wake, timers_.begin()->first);
    }
    {
      std::unique_lock lock(changes_mu_);
      auto pending = [&] { return stopping_ || wake_dispatcher_ || !changes_.empty(); };
      if (wake == SteadyTime::max()) {
        changes_cv_.wait(lock, pending);
      } else {
        changes_cv_.wait_until(lock, wake, pending);
      }
      if (stopping_) return;
      wake_dispatcher_ = false;
      batch.swap(changes_);
      queued_changes_ = 0;
    }
    DispatchChanges(std::move(batch));
    std::vector<std::shared_ptr<SubscriptionState>> periodic;
    SteadyTime now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mu_);
      FireTimers(now, periodic);
    }
    for (const auto& state : periodic) RunPeriodic(state);
  }
}

void Notifier::Impl::Deliver(HttpDelivery& http, const std::shared_ptr<SubscriptionState>& state) {
  std::shared_ptr<const Subscription> sub;
  json::array data;
  {
    std::lock_guard lock(mu_);
    sub = state->subscription;
    size_t n = std::min(state->queue.size(), options.max_entities_per_notification);
    for (size_t i = 0; i < n; ++i) data.push_back(std::move(state->queue[i]));
    state->queue.erase(state->queue.begin(), state->queue.begin() + static_cast<ptrdiff_t>(n));
  }
  Timestamp notified_at = clock.Now();
  auto outgoing = BuildNotification(*sub, data, NewNotificationId(), notified_at);
  Status sent = sub->endpoint.scheme == EndpointScheme::kHttp
                    ? http.Post(sub->endpoint, outgoing.headers, outgoing.body)
                    : mqtt_.Publish(sub->endpoint, outgoing.body);
  std::lock_guard lock(mu_);
  SteadyTime now = std::chrono::steady_clock::now();
  state->in_flight = false;
  state->last_attempt = now;
  state->dirty = true;
  auto& delivery = state->delivery;
  ++delivery.times_sent;
  delivery.last_notification = notified_at;
  if (sent.ok()) {
    delivery.failed = false;
    delivery.last_success = notified_at;
    state->consecutive_failures = 0;
  } else {
    delivery.failed = true;
    delivery.last_failure = notified_at;
    ++delivery.times_failed;
    // The same entities go out again, first, after the backoff.
    for (auto it = data.rbegin(); it != data.rend(); ++it) {
      if (state->queue.size() >= options.queue_capacity) {
        ++counters_.dropped_notifications;
        continue;
      }
      state->queue.push_front(std::move(it->as_object()));
    }
    int shift = std::min(state->consecutive_failures++, 20);
    auto backoff = std::min(options.initial_backoff * (int64_t{1} << shift), options.max_backoff);
    state->gate = now + backoff;
    ArmTimer(state, *state->gate);
    spdlog::debug("notification of {} failed: {}", sub->id, sent.message());
  }
  MakeReady(state, now);
}

void Notifier::Impl::WorkerLoop() {
  HttpDelivery http(options.timeout);
  while (true) {
    std::shared_ptr<SubscriptionState> state;
    {
      std::unique_lock lock(mu_);
      ready_cv_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
      if (stopping_) return;
      state = std::move(ready_.front());
      ready_.pop_front();
      state->ready = false;
      if (state->removed || state->queue.empty()) continue;
      state->in_flight = true;
    }
    Deliver(http, state);
  }
}

Notifier::Notifier(store::Store& store, model::ContextStore& contexts, const Clock& clock,
                   NotifierOptions options)
    : impl_(std::make_unique<Impl>(store, contexts, clock, options)) {}

Notifier::~Notifier() { Stop(); }

Status Notifier::Load() {
  for (const auto& [key, value] : impl_->store.ScanMeta(kMetaPrefix)) {
    boost::system::error_code ec;
    auto record = json::parse(value, ec);
    const json::object* object = ec ? nullptr : record.if_object();
    const json::value* tenant = object ? object->if_contains("tenant") : nullptr;
    const json::value* context = object ? object->if_contains("context") : nullptr;
    const json::value* body = object ? object->if_contains("subscription") : nullptr;
    if (tenant == nullptr || !tenant->is_string() || context == nullptr || body == nullptr) {
      spdlog::warn("skipping unreadable subscription record {}", key);
      continue;
    }
    auto resolved = impl_->contexts.Resolve(*context);
    if (!resolved.ok()) {
      spdlog::warn("skipping subscription {}: {}", key, resolved.status().message());
      continue;
    }
    auto parsed = ParseSubscription(*body, *resolved, "");
    if (!parsed.ok()) {
      spdlog::warn("skipping subscription {}: {}", key, parsed.status().message());
      continue;
    }
    parsed->tenant = std::string(tenant->get_string());
    auto state = std::make_shared<SubscriptionState>();
    state->subscription = std::make_shared<const Subscription>(std::move(*parsed));
    if (const auto* notification = body->as_object().if_contains("notification")) {
      state->delivery = ParseDeliveryStatus(*notification);
    }
    std::lock_guard lock(impl_->mu_);
    impl_->matcher_.Add(state->subscription);
    impl_->states_[Key(state->subscription->tenant, state->subscription->id)] = state;
    impl_->subscription_count_.store(impl_->states_.size(), std::memory_order_release);
  }
  return Status::Ok();
}

void Notifier::Start() {
  auto& impl = *impl_;
  {
    std::lock_guard lock(impl.mu_);
    SteadyTime now = std::chrono::steady_clock::now();
    for (auto& [key, state] : impl.states_) impl.StartPeriodic(state, now);
  }
  impl.dispatcher_ = std::thread([&impl] { impl.DispatcherLoop(); });
  impl.status_thread_ = std::thread([&impl] { impl.StatusLoop(); });
  for (size_t i = 0; i < std::max<size_t>(1, impl.options.workers); ++i) {
    impl.workers_.emplace_back([&impl] { impl.WorkerLoop(); });
  }
}

void Notifier::Stop() {
  auto& impl = *impl_;
  if (!impl.dispatcher_.joinable()) return;
  {
    std::scoped_lock lock(impl.changes_mu_, impl.mu_);
    impl.stopping_ = true;
  }
  impl.changes_cv_.notify_all();
  impl.ready_cv_.notify_all();
  {
    std::lock_guard lock(impl.status_mu_);
    impl.status_stopping_ = true;
  }
  impl.status_cv_.notify_all();
  impl.dispatcher_.join();
  for (auto& worker : impl.workers_) worker.join();
  impl.workers_.clear();
  impl.status_thread_.join();
  impl.FlushStatus();
  if (auto s = impl.store.SyncDurable(); !s.ok()) {
    spdlog::warn("cannot sync subscription status: {}", s.message());
  }
}

void Notifier::OnCommitted(store::Tenant tenant, std::vector<store::EntityChange>& changes) {
  auto& impl = *impl_;
  if (impl.subscription_count_.load(std::memory_order_acquire) == 0) return;
  {
    std::lock_guard lock(impl.changes_mu_);
    if (impl.queued_changes_ + changes.size() > impl.options.change_queue_capacity) {
      impl.dropped_changes_ += changes.size();
      return;
    }
    impl.queued_changes_ += changes.size();
    impl.changes_.push_back({std::string(tenant), std::move(changes)});
  }
  impl.changes_cv_.notify_one();
}

// Each CRUD call writes its record holding persist_mu_ only (an fsync must not stall delivery),
// then applies the change in memory under mu_.
Status Notifier::Create(std::shared_ptr<const Subscription> subscription) {
  auto& impl = *impl_;
  std::string key = Key(subscription->tenant, subscription->id);
  auto state = std::make_shared<SubscriptionState>();
  state->subscription = std::move(subscription);
  std::lock_guard persist(impl.persist_mu_);
  {
    std::lock_guard lock(impl.mu_);
    if (impl.states_.contains(key)) {
      return AlreadyExists("subscription '" + state->subscription->id + "' already exists");
    }
  }
  CIVITAS_RETURN_IF_ERROR(impl.store.PutMeta(std::string(kMetaPrefix) + key,
                                             impl.Record(*state->subscription, state->delivery)));
  std::lock_guard lock(impl.mu_);
  impl.matcher_.Add(state->subscription);
  impl.states_[key] = state;
  impl.subscription_count_.store(impl.states_.size(), std::memory_order_release);
  impl.StartPeriodic(state, std::chrono::steady_clock::now());
  return Status::Ok();
}

Status Notifier::Replace(std::shared_ptr<const Subscription> subscription) {
  auto& impl = *impl_;
  std::string key = Key(subscription->tenant, subscription->id);
  std::lock_guard persist(impl.persist_mu_);
  DeliveryStatus delivery;
  {
    std::lock_guard lock(impl.mu_);
    auto it = impl.states_.find(key);
    if (it == impl.states_.end()) {
      return NotFound("subscription '" + subscription->id + "' not found");
    }
    delivery = it->second->delivery;
  }
  CIVITAS_RETURN_IF_ERROR(
      impl.store.PutMeta(std::string(kMetaPrefix) + key, impl.Record(*subscription, delivery)));
  std::lock_guard lock(impl.mu_);
  auto& state = impl.states_.at(key);  // only CRUD removes states, and it holds persist_mu_
  bool was_periodic = state->subscription->time_interval.has_value();
  state->subscription = std::move(subscription);
  impl.matcher_.Add(state->subscription);
  if (!was_periodic) impl.StartPeriodic(state, std::chrono::steady_clock::now());
  return Status::Ok();
}

Status Notifier::Delete(std::string_view tenant, std::string_view id) {
  auto& impl = *impl_;
  std::string key = Key(tenant, id);
  std::lock_guard persist(impl.persist_mu_);
  {
    std::lock_guard lock(impl.mu_);
    if (!impl.states_.contains(key)) {
      return NotFound("subscription '" + std::string(id) + "' not found");
    }
  }
  CIVITAS_RETURN_IF_ERROR(impl.store.DeleteMeta(std::string(kMetaPrefix) + key));
  std::lock_guard lock(impl.mu_);
  auto it = impl.states_.find(key);
  it->second->removed = true;
  impl.matcher_.Remove(tenant, id);
  impl.states_.erase(it);
  impl.subscription_count_.store(impl.states_.size(), std::memory_order_release);
  return Status::Ok();
}

Result<SubscriptionView> Notifier::Get(std::string_view tenant, std::string_view id) const {
  std::lock_guard lock(impl_->mu_);
  auto it = impl_->states_.find(Key(tenant, id));
  if (it == impl_->states_.end()) {
    return NotFound("subscription '" + std::string(id) + "' not found");
  }
  return SubscriptionView{it->second->subscription, it->second->delivery};
}

std::vector<SubscriptionView> Notifier::List(std::string_view tenant) const {
  std::vector<SubscriptionView> out;
  std::string prefix = Key(tenant, "");
  std::lock_guard lock(impl_->mu_);
  for (auto it = impl_->states_.lower_bound(prefix);
       it != impl_->states_.end() && it->first.starts_with(prefix); ++it) {
    out.push_back({it->second->subscription, it->second->delivery});
  }
  return out;
}

NotifierCounters Notifier::counters() const { return impl_->Counters(); }

}  // namespace civitas::notify
