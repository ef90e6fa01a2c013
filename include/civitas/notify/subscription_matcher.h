#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "civitas/core/time.h"
#include "civitas/notify/subscription.h"
#include "civitas/store/store.h"

namespace civitas::notify {

// Which subscriptions a committed entity change notifies. Subscriptions are indexed by (tenant,
// entity id) for selectors naming an id, else (tenant, expanded entity type), and for those
// without `entities` by (tenant, watched attribute), so a change only looks at subscriptions
// that could match it. Periodic subscriptions (timeInterval)
// never match changes. Not thread-safe: the owner serialises calls.
class SubscriptionMatcher {
 public:
  // Adds a subscription, replacing one with the same (tenant, id).
  void Add(std::shared_ptr<const Subscription> subscription);
  // Removes it; no-op when absent.
  void Remove(std::string_view tenant, std::string_view id);

  // The active subscriptions (at `now`) of `tenant` that `change` triggers, each once, in no
  // particular order.
  std::vector<std::shared_ptr<const Subscription>> Match(std::string_view tenant,
                                                         const store::EntityChange& change,
                                                         Timestamp now) const;

  // True when `change` notifies `subscription` (entity selectors, notificationTrigger,
  // watchedAttributes, q, geoQ), ignoring status and the index. For a deletion q and geoQ are
  // judged on the entity before.
  static bool Triggers(const Subscription& subscription, const store::EntityChange& change);

  size_t size() const { return by_id_.size(); }

 private:
  using Entry = std::shared_ptr<const Subscription>;
  static std::string TypeKey(std::string_view tenant, std::string_view type);
  static std::string IdKey(std::string_view tenant, std::string_view id);
  static std::string AttributeKey(std::string_view tenant, std::string_view attr);
  std::vector<std::string> KeysOf(const Subscription& subscription) const;

  std::unordered_map<std::string, Entry> by_id_;                // tenant '\n' id
  std::unordered_map<std::string, std::vector<Entry>> by_key_;  // TypeKey / IdKey / AttributeKey
};

}  // namespace civitas::notify
