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
// (bare attribute path), negation (!attr), ';' (and, binds tighter), '|' (or), parentheses;
// attribute paths with sub-attributes (a.b), JSON members (a[b][c]) and meta-attributes
// (a.observedAt, a.unitCode, a.datasetId, a.createdAt, a.modifiedAt). Values: numbers,
// "strings", booleans, date-times, URIs and other unquoted tokens (strings). The full grammar
// and semantics are in src/query/README.md. Immutable and thread-safe after Parse.
class QExpression {
 public:
  virtual ~QExpression() = default;
  // True when the entity satisfies the expression. Positive comparisons hold when any value
  // satisfies them: any instance of a multi-instance attribute, any element of an array, any
  // language of a LanguageProperty; Relationship attributes compare their object. A type
  // mismatch (number against string) satisfies no comparison. != and !~= need the attribute and
  // hold when some instance has no value that is equal / matches. Never fails; no allocation
  // beyond what std::regex does internally.
  virtual bool Matches(const model::Entity& entity) const = 0;
  // Attribute IRIs that every matching entity must have (from top-level conjunctions); the
  // planner uses them to pick the attribute index. May be empty.
  virtual std::vector<std::string> RequiredAttributes() const = 0;
};

// Parses q (already URL-decoded). kInvalidRequest with the position and what was expected for
// syntax errors ("q: expected a value after '==' at offset 13"), for a regular expression that
// does not compile or is larger than 256 characters (counted repetitions expanded), and for a
// query longer than 16 KiB; kTooComplexQuery for parentheses nested deeper than 64 levels.
// expand is called only during this call and not retained.
Result<std::unique_ptr<QExpression>> ParseQ(std::string_view q, const TermExpander& expand);

}  // namespace civitas::query
