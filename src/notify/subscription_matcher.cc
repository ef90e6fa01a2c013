#include "civitas/notify/subscription_matcher.h"

#include <algorithm>

namespace civitas::notify {
namespace {

bool SameInstance(const model::Attribute& a, const model::Attribute& b);

bool SameSubAttributes(const std::vector<model::Attribute>& a,
                       const std::vector<model::Attribute>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || !SameInstance(a[i], b[i])) return false;
  }
  return true;
}

// modifiedAt is compared too: rewriting a value with the same value is still an update.
bool SameInstance(const model::Attribute& a, const model::Attribute& b) {
  return a.kind == b.kind && a.value == b.value && a.observed_at == b.observed_at &&
         a.unit_code == b.unit_code && a.modified_at == b.modified_at &&
         SameSubAttributes(a.sub_attributes, b.sub_attributes);
}

bool Watched(const Subscription& sub, std::string_view attr) {
  return sub.watched_attributes.empty() ||
         std::find(sub.watched_attributes.begin(), sub.watched_attributes.end(), attr) !=
             sub.watched_attributes.end();
}

bool SelectorMatches(const EntitySelector& selector, const model::Entity& entity) {
  if (!std::binary_search(entity.types.begin(), entity.types.end(), selector.type)) return false;
  if (!selector.id.empty() && selector.id != entity.id) return false;
  if (!selector.pattern) return true;
  try {
    return std::regex_match(entity.id, *selector.pattern);
  } catch (const std::regex_error&) {
    // error_complexity / error_stack on a pathological id: treat as no match rather than let
    // the dispatcher thread die.
    return false;
  }
}

// The trigger bits a change raises among the watched attributes. Attributes are sorted by
// (name, datasetId), so one merge walk finds created, updated and deleted instances.
uint32_t RaisedTriggers(const Subscription& sub, const store::EntityChange& change) {
  if (!change.before) {
    uint32_t raised = kEntityCreated;
    for (const auto& a : change.after->attributes) {
      if (Watched(sub, a.name)) raised |= kAttributeCreated;
    }
    // Creating an entity with none of the watched attributes notifies nobody.
    return sub.watched_attributes.empty() || (raised & kAttributeCreated) ? raised : 0;
  }
  if (!change.after) return kEntityDeleted;
  const auto& before = change.before->attributes;
  const auto& after = change.after->attributes;
  uint32_t raised = 0;
  auto note = [&](std::string_view name, Trigger trigger) {
    if (Watched(sub, name)) raised |= trigger | kEntityUpdated;
  };
  size_t i = 0, j = 0;
  while (i < before.size() || j < after.size()) {
    if (j == after.size() ||
        (i < before.size() && std::tie(before[i].name, before[i].dataset_id) <
                                  std::tie(after[j].name, after[j].dataset_id))) {
      note(before[i++].name, kAttributeDeleted);
    } else if (i == before.size() || std::tie(after[j].name, after[j].dataset_id) <
                                         std::tie(before[i].name, before[i].dataset_id)) {
      note(after[j++].name, kAttributeCreated);
    } else {
      if (!SameInstance(before[i], after[j])) note(after[j].name, kAttributeUpdated);
      ++i;
      ++j;
    }
  }
  if (change.before->types != change.after->types ||
      change.before->scopes != change.after->scopes) {
    if (sub.watched_attributes.empty()) raised |= kEntityUpdated;
  }
  return raised;
}

}  // namespace

bool SubscriptionMatcher::Triggers(const Subscription& sub, const store::EntityChange& change) {
  if (sub.time_interval || (!change.before && !change.after)) return false;
  const model::Entity& entity = change.after ? *change.after : *change.before;
  if (!sub.entities.empty() &&
      std::none_of(sub.entities.begin(), sub.entities.end(),
                   [&](const EntitySelector& s) { return SelectorMatches(s, entity); })) {
    return false;
  }
  if ((RaisedTriggers(sub, change) & sub.triggers) == 0) return false;
  return query::MatchesEntityQuery(entity, sub.filter);
}

std::string SubscriptionMatcher::TypeKey(std::string_view tenant, std::string_view type) {
  std::string key(tenant);
  key += "\nT";
  key += type;
  return key;
}

std::string SubscriptionMatcher::IdKey(std::string_view tenant, std::string_view id) {
  std::string key(tenant);
  key += "\nI";
  key += id;
  return key;
}

std::string SubscriptionMatcher::AttributeKey(std::string_view tenant, std::string_view attr) {
  std::string key(tenant);
  key += "\nA";
  key += attr;
  return key;
}

std::vector<std::string> SubscriptionMatcher::KeysOf(const Subscription& sub) const {
  std::vector<std::string> keys;
  if (!sub.entities.empty()) {
    // A selector naming one id is filed under the id: many per-entity subscriptions on one
    // type then cost a change nothing but its own.
    for (const auto& e : sub.entities) {
      keys.push_back(e.id.empty() ? TypeKey(sub.tenant, e.type) : IdKey(sub.tenant, e.id));
    }
  } else {
    for (const auto& a : sub.watched_attributes) keys.push_back(AttributeKey(sub.tenant, a));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

void SubscriptionMatcher::Add(std::shared_ptr<const Subscription> subscription) {
  Remove(subscription->tenant, subscription->id);
  for (auto& key : KeysOf(*subscription)) by_key_[key].push_back(subscription);
  by_id_[subscription->tenant + '\n' + subscription->id] = std::move(subscription);
}

void SubscriptionMatcher::Remove(std::string_view tenant, std::string_view id) {
  auto it = by_id_.find(std::string(tenant) + '\n' + std::string(id));
  if (it == by_id_.end()) return;
  for (const auto& key : KeysOf(*it->second)) {
    auto bucket = by_key_.find(key);
    if (bucket == by_key_.end()) continue;
    std::erase(bucket->second, it->second);
    if (bucket->second.empty()) by_key_.erase(bucket);
  }
  by_id_.erase(it);
}

std::vector<std::shared_ptr<const Subscription>> SubscriptionMatcher::Match(
    std::string_view tenant, const store::EntityChange& change, Timestamp now) const {
  std::vector<Entry> matched;
  auto consider = [&](const std::string& key) {
    auto bucket = by_key_.find(key);
    if (bucket == by_key_.end()) return;
    for (const auto& sub : bucket->second) {
      if (std::find(matched.begin(), matched.end(), sub) != matched.end()) continue;
      if (sub->Notifies(now) && Triggers(*sub, change)) matched.push_back(sub);
    }
  };
  for (const auto* entity :
       {change.before ? &*change.before : nullptr, change.after ? &*change.after : nullptr}) {
    if (entity == nullptr) continue;
    consider(IdKey(tenant, entity->id));
    for (const auto& type : entity->types) consider(TypeKey(tenant, type));
    for (const auto& attr : entity->attributes) consider(AttributeKey(tenant, attr.name));
  }
  return matched;
}

}  // namespace civitas::notify
