#pragma once

// Retention of the temporal history (docs/formats/temporal-store.md, "Retention"): which rule
// applies to which entity, and the compaction filter that enforces the rules. Internal to store/.

#include <absl/base/thread_annotations.h>
#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>
#include <rocksdb/compaction_filter.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/status.h"
#include "civitas/core/time.h"
#include "civitas/store/retention.h"

namespace civitas::store {

// The retention rule of every entity with history, by its temporal-key entity prefix
// (`tenant \0 id \0`). Compaction cannot read the entity's catalog (it may sit in another
// file), so the index keeps the answer in memory: one entry per entity whose types have a rule
// of their own; every other entity gets the default rule, if there is one. Thread-safe.
class RetentionIndex {
 public:
  // Precondition: the rules are valid (ValidateRetentionRules).
  explicit RetentionIndex(std::vector<RetentionRule> rules);

  bool empty() const { return rules_.empty(); }

  // Records the expanded types of the entity with this prefix, as its history's catalog
  // holds them (called for every write of that key, and for each one found at open).
  void SetTypes(std::string_view entity_prefix, std::span<const std::string> types);

  // The rule for the entity with this prefix, or null when its history is kept forever.
  // When several of its types have rules, the longest-keeping one applies.
  const RetentionRule* RuleFor(std::string_view entity_prefix) const;

  // Whether history records the modifiedAt of the instances of an entity of these (expanded)
  // types: yes unless every rule applying to it says no.
  bool KeepsModifiedAt(std::span<const std::string> types) const;

 private:
  // Index into rules_ of the rule for these types, or -1 when none has its own rule.
  int RuleOfTypes(std::span<const std::string> types) const;

  const std::vector<RetentionRule> rules_;
  int default_rule_ = -1;
  absl::flat_hash_map<std::string, int> rule_by_type_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> rule_by_entity_ ABSL_GUARDED_BY(mu_);
};

// kInvalidRequest naming the first bad rule: raw not positive, hourly neither zero nor above
// raw, or two rules for one type.
Status ValidateRetentionRules(std::span<const RetentionRule> rules);

// The temporal column family's compaction filter: drops or rolls up the chunks of expired
// hours, judged at the time the compaction starts. Both arguments must
// outlive the database.
std::shared_ptr<rocksdb::CompactionFilterFactory> MakeRetentionFilterFactory(
    const RetentionIndex& index, const Clock& clock);

}  // namespace civitas::store
