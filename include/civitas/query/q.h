#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/model/entity.h"

namespace civitas::query {

// Turns an attribute name as written in a query into its expanded IRI (via the request's
// @context). Called once per attribute name at parse time.
using TermExpander = std::function<std::string(std::string_view term)>;

// A compiled NGSI-LD query-language expression (ETSI GS CIM 009 §4.9): comparisons
// (== != < <= > >=), patterns (~= and !~=), value lists (a,b,c), ranges (a..b), existence
// (bare attribute path), negation (!attr), ';' (and), '|' (or), parentheses; attribute paths
// with sub-attributes (a.b), JSON members (a[b][c]) and meta-attributes (a.observedAt,
// a.unitCode, a.datasetId, a.createdAt, a.modifiedAt). Values: numbers, "strings", booleans,
// date-times, URIs. Immutable and thread-safe after Parse.
class QExpression {
 public:
  virtual ~QExpression() = default;
  // True when the entity satisfies the expression. For multi-instance attributes any instance
  // may satisfy a comparison; Relationship attributes compare their object.
  virtual bool Matches(const model::Entity& entity) const = 0;
  // Attribute IRIs that every matching entity must have (from top-level conjunctions); the
  // planner uses them to pick the attribute index. May be empty.
  virtual std::vector<std::string> RequiredAttributes() const = 0;
};

// Parses q. kInvalidRequest with the position and what was expected for syntax errors; a
// regular expression that does not compile is kInvalidRequest too.
Result<std::unique_ptr<QExpression>> ParseQ(std::string_view q, const TermExpander& expand);

}  // namespace civitas::query
