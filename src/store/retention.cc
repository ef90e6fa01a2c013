#include "src/store/retention.h"

#include <algorithm>
#include <mutex>

#include "civitas/store/time_series_chunk.h"
#include "src/store/absl_view.h"
#include "src/store/temporal_keys.h"

namespace civitas::store {
namespace tk = temporal_keys;

RetentionIndex::RetentionIndex(std::vector<RetentionRule> rules) : rules_(std::move(rules)) {
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].type.empty()) {
      default_rule_ = static_cast<int>(i);
    } else {
      rule_by_type_.emplace(rules_[i].type, static_cast<int>(i));
    }
  }
}

int RetentionIndex::RuleOfTypes(std::span<const std::string> types) const {
  int best = -1;
  for (const auto& type : types) {
    auto it = rule_by_type_.find(type);
    if (it == rule_by_type_.end()) continue;
    const RetentionRule& rule = rules_[static_cast<size_t>(it->second)];
    // Deleting what one of the entity's types wants kept would be the worse mistake.
    if (best < 0 ||
        std::max(rule.raw, rule.hourly) > std::max(rules_[static_cast<size_t>(best)].raw,
                                                   rules_[static_cast<size_t>(best)].hourly)) {
      best = it->second;
    }
  }
  return best;
}

void RetentionIndex::SetTypes(std::string_view entity_prefix, std::span<const std::string> types) {
  if (rules_.empty()) return;
  const int rule = RuleOfTypes(types);
  absl::MutexLock lock(&mu_);
  if (rule < 0) {
    rule_by_entity_.erase(AbslView(entity_prefix));
  } else {
    rule_by_entity_.insert_or_assign(std::string(entity_prefix), rule);
  }
}

const RetentionRule* RetentionIndex::RuleFor(std::string_view entity_prefix) const {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = rule_by_entity_.find(AbslView(entity_prefix));
    if (it != rule_by_entity_.end()) return &rules_[static_cast<size_t>(it->second)];
  }
  return default_rule_ < 0 ? nullptr : &rules_[static_cast<size_t>(default_rule_)];
}

bool RetentionIndex::KeepsModifiedAt(std::span<const std::string> types) const {
  bool own_rule = false;
  for (const auto& type : types) {
    auto it = rule_by_type_.find(type);
    if (it == rule_by_type_.end()) continue;
    if (rules_[static_cast<size_t>(it->second)].keep_modified_at) return true;
    own_rule = true;
  }
  if (own_rule) return false;
  return default_rule_ < 0 || rules_[static_cast<size_t>(default_rule_)].keep_modified_at;
}

Status ValidateRetentionRules(std::span<const RetentionRule> rules) {
  for (size_t i = 0; i < rules.size(); ++i) {
    const RetentionRule& rule = rules[i];
    const std::string name = rule.type.empty() ? "the default rule" : "the rule for " + rule.type;
    if (rule.raw.count() <= 0) return InvalidRequest("retention: " + name + " needs raw > 0");
    if (rule.hourly.count() != 0 && rule.hourly <= rule.raw) {
      return InvalidRequest("retention: " + name + " keeps hourly rollups no longer than raw data");
    }
    for (size_t j = 0; j < i; ++j) {
      if (rules[j].type == rule.type) return InvalidRequest("retention: two rules for " + name);
    }
  }
  return Status::Ok();
}

namespace {

// The parts of a temporal key the filter judges by.
struct ParsedKey {
  std::string_view entity_prefix;  // tenant \0 id \0
  char tag = 0;                    // 0 for keys without a time (types, attribute kind)
  int64_t time_us = 0;
};

ParsedKey Parse(std::string_view key) {
  ParsedKey parsed;
  parsed.entity_prefix = tk::EntityPrefixOf(key);
  if (parsed.entity_prefix.empty()) return parsed;
  const size_t id_end = parsed.entity_prefix.size() - 1;
  size_t attr_end = key.find(tk::kSep, id_end + 1);
  if (attr_end == std::string_view::npos || attr_end == id_end + 1) return parsed;  // catalog key
  size_t dataset_end = key.find(tk::kSep, attr_end + 1);
  if (dataset_end == std::string_view::npos || key.size() != dataset_end + 2 + 8) return parsed;
  parsed.tag = key[dataset_end + 1];
  parsed.time_us = tk::TimeAtEnd(key);
  return parsed;
}

class RetentionFilter final : public rocksdb::CompactionFilter {
 public:
  RetentionFilter(const RetentionIndex& index, int64_t now_us) : index_(index), now_us_(now_us) {}

  Decision FilterV2(int /*level*/, const rocksdb::Slice& key, ValueType value_type,
                    const rocksdb::Slice& existing_value, std::string* new_value,
                    std::string* /*skip_until*/) const override {
    if (value_type != ValueType::kValue) return Decision::kKeep;
    const ParsedKey parsed = Parse(key.ToStringView());
    if (parsed.tag != tk::kChunkTag) return Decision::kKeep;
    const RetentionRule* rule = index_.RuleFor(parsed.entity_prefix);
    if (rule == nullptr) return Decision::kKeep;
    const int64_t hour = tk::HourOf(parsed.time_us);
    if (hour > INT64_MAX - tk::kHourUs) return Decision::kKeep;
    const int64_t age_us = now_us_ - (hour + tk::kHourUs);  // how long ago the hour ended
    if (age_us < std::chrono::microseconds(rule->raw).count()) return Decision::kKeep;
    if (age_us < std::chrono::microseconds(rule->hourly).count()) {
      auto rolled = RollUpTimeSeriesChunk(existing_value.ToStringView());
      if (!rolled.ok()) return Decision::kKeep;  // a corrupt chunk stays for the reader to report
      *new_value = std::move(*rolled);
      return Decision::kChangeValue;
    }
    return Decision::kRemove;
  }

  const char* Name() const override { return "civitas.TemporalRetention"; }

 private:
  const RetentionIndex& index_;
  const int64_t now_us_;
};

class RetentionFilterFactory final : public rocksdb::CompactionFilterFactory {
 public:
  RetentionFilterFactory(const RetentionIndex& index, const Clock& clock)
      : index_(index), clock_(clock) {}

  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& /*context*/) override {
    return std::make_unique<RetentionFilter>(index_, clock_.Now().time_since_epoch().count());
  }
  const char* Name() const override { return "civitas.TemporalRetentionFactory"; }

 private:
  const RetentionIndex& index_;
  const Clock& clock_;
};

}  // namespace

std::shared_ptr<rocksdb::CompactionFilterFactory> MakeRetentionFilterFactory(
    const RetentionIndex& index, const Clock& clock) {
  return std::make_shared<RetentionFilterFactory>(index, clock);
}

}  // namespace civitas::store
