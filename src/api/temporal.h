#pragma once

// Shared parts of the temporal endpoints (temporal.cc reads, temporal_write.cc writes).
// Internal to api/.

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "src/api/broker_impl.h"

namespace civitas::api {

enum class TemporalFormat { kNormalized, kValues, kAggregated };

// The temporal query parameters, compiled. The time range is half-open [from, to) in µs since
// the epoch; an unbounded side is ±2^61 (so period arithmetic cannot overflow).
struct TemporalParams {
  int64_t from = -(int64_t{1} << 61);
  int64_t to = int64_t{1} << 61;
  bool bounded_from = false;
  bool bounded_to = false;
  size_t last_n = 0;            // 0: every instance
  std::set<std::string> attrs;  // expanded; empty: all
  TemporalFormat format = TemporalFormat::kNormalized;
  std::vector<std::string> methods;  // aggrMethods, validated
  int64_t period_us = 0;             // aggrPeriodDuration; 0: one period over the range
  store::TimeProperty time_property = store::TimeProperty::kObservedAt;
  // The instance member that carries the time: observedAt, modifiedAt or createdAt (history
  // keeps one time of writing per instance, its last: createdAt reads modifiedAt).
  std::string_view time_member = "observedAt";
  // A sample's time on the queried timeline.
  int64_t TimeOf(const store::Sample& s) const {
    return time_property == store::TimeProperty::kModifiedAt ? s.modified_at_us : s.timestamp_us;
  }
  size_t max_instances = 10000;  // per attribute (BrokerOptions::max_temporal_instances)
};

// Where a response cut an attribute's instances short (206 + Content-Range).
struct TemporalPage {
  bool truncated = false;
  int64_t first_us = INT64_MAX;  // earliest instance returned
  int64_t end_us = INT64_MAX;    // the range is complete up to here (exclusive)

  // The page of a response rendered in parts, from the parts' pages (the cap is per series).
  void Merge(const TemporalPage& part) {
    truncated = truncated || part.truncated;
    first_us = std::min(first_us, part.first_us);
    end_us = std::min(end_us, part.end_us);
  }
};

// timerel (before: t < timeAt; after: t >= timeAt; between: timeAt <= t < endTimeAt), timeAt,
// endTimeAt, timeproperty, lastN, attrs, options (temporalValues / aggregatedValues),
// aggrMethods, aggrPeriodDuration. kBadRequestData on a bad value; kOperationNotSupported for
// timeproperty deletedAt.
Result<TemporalParams> ParseTemporalParams(const RequestScope& scope);

// Renders entities' histories into one response body, written as JSON text directly (a DOM
// built, serialised and destroyed per response was half of a large aggregated query's time).
// Each timestamp's text is formatted once: every series of an aggregated page has the same
// bucket bounds, and aligned sensors share their instants.
class TemporalRenderer {
 public:
  // `context_member`: what each entity object ends with (ContextMember of the request).
  TemporalRenderer(store::TemporalReader& reader, const TemporalParams& params,
                   const model::Context& context, int64_t now_us, std::string context_member);

  // Appends the temporal representation of the entity's history (`entity`: what
  // reader.Entity gave) to `out`, as one JSON object.
  Status Render(const store::TemporalEntity& entity, std::string& out);

  // Where the instances rendered so far were cut short.
  const TemporalPage& page() const { return page_; }

 private:
  // Appends the series' rendering to `out`: one object (temporalValues, aggregatedValues) or its
  // instances separated by commas (normalized). False, with nothing appended, when the range
  // holds none.
  Result<bool> RenderSeries(std::string_view id, const store::TemporalSeries& series,
                            std::string& out);
  Result<bool> RenderAggregated(std::string_view id, const store::TemporalSeries& series,
                                std::string& out);
  // Appends the quoted ISO 8601 text of `t` (µs).
  void AppendTimestamp(std::string& out, int64_t t);

  store::TemporalReader& reader_;
  const TemporalParams& params_;
  const model::Context& context_;
  const int64_t now_us_;
  const std::string context_member_;
  TemporalPage page_;
  absl::flat_hash_map<int64_t, std::string> timestamps_;
  // Per entity, reused: each rendered series' text, and the attributes they go under.
  std::vector<std::string> fragments_;
  struct Member {
    std::string name;
    std::vector<size_t> fragments;
  };
  std::vector<Member> members_;
};

// The reply for a rendered temporal body: 200, or 206 with
// "Content-Range: date-time <first>-<end>/<lastN or *>" when `page` was cut.
Reply TemporalReply(const RequestScope& scope, const TemporalParams& params,
                    const TemporalPage& page, std::string body);

// The instanceId of the instance at this timestamp (a series holds one per timestamp).
std::string InstanceIdOf(int64_t timestamp_us);

}  // namespace civitas::api
