#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "civitas/core/result.h"
#include "civitas/model/entity.h"
#include "civitas/query/geo_query.h"
#include "civitas/query/q.h"
#include "civitas/store/store.h"

namespace civitas::query {

// An entity type selector: a disjunction of conjunctions of expanded type IRIs.
// "A,B" and "A|B" mean A or B; "A;B" means both; parentheses group: "(A;B)|C".
using TypeSelector = std::vector<std::vector<std::string>>;

// Parses a type expression, expanding each type name with `expand`. kInvalidRequest when
// malformed.
Result<TypeSelector> ParseTypeSelector(std::string_view expression, const TermExpander& expand);

// GET /ngsi-ld/v1/entities, compiled. All names are expanded.
struct EntityQuery {
  std::vector<std::string> ids;          // any of these ids
  std::optional<std::regex> id_pattern;  // ECMAScript, whole id must match
  TypeSelector types;
  std::vector<std::string> attrs;        // entities having at least one of them
  std::unique_ptr<QExpression> q;
  std::shared_ptr<const GeoQuery> geo;
  // The geo index plan of `geo` when the caller has it (GeoQueryCache); null: planned per run.
  std::shared_ptr<const GeoQuery::IndexPlan> geo_plan;
  // Keyset pagination: only ids strictly greater than this (then offset applies). Pages walked
  // with it never repeat or skip an entity that exists throughout the walk.
  std::string after;
  size_t offset = 0;
  size_t limit = 20;
  bool count = false;
  // When not empty: the attributes the caller reads from the page's entities. They are read
  // with just these and those the filters need (all of them with q), the others' values not
  // decoded.
  std::vector<std::string> project;
};

struct QueryPage {
  std::vector<model::Entity> entities;  // ascending by id
  std::optional<int64_t> total;         // set when query.count
};

// Runs the query on one snapshot. Candidates come from the narrowest index (ids, geo cells,
// type, attribute) in id order, so offset/limit pages are stable; an entity is fetched only
// when a filter needs it or it is on the page.
Result<QueryPage> RunEntityQuery(store::ReadView& view, const EntityQuery& query);

// True when the entity passes every filter of the query (used by subscriptions too).
bool MatchesEntityQuery(const model::Entity& entity, const EntityQuery& query);

}  // namespace civitas::query
