#pragma once

// Test-only helpers for the q tests: a deterministic TermExpander and terse entity builders.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "civitas/core/time.h"
#include "civitas/model/entity.h"
#include "civitas/query/q.h"

namespace civitas::query::testing {

inline constexpr std::string_view kVocab = "https://ex.org/";

// Expands a term to https://ex.org/<term>; leaves anything with ':' (IRIs, URNs) alone.
inline std::string Ex(std::string_view term) {
  if (term.find(':') != std::string_view::npos) return std::string(term);
  return std::string(kVocab) + std::string(term);
}

inline const TermExpander& Expander() {
  static const TermExpander kExpander = [](std::string_view t) { return Ex(t); };
  return kExpander;
}

inline model::Json J(std::string_view json) { return boost::json::parse(json); }

inline Timestamp T(std::string_view text) { return *ParseTimestamp(text); }

inline model::Attribute Attr(std::string_view name, model::AttributeKind kind, model::Json value) {
  model::Attribute a;
  a.name = Ex(name);
  a.kind = kind;
  a.value = std::move(value);
  return a;
}

inline model::Attribute Prop(std::string_view name, model::Json value) {
  return Attr(name, model::AttributeKind::kProperty, std::move(value));
}

inline model::Attribute Rel(std::string_view name, model::Json object) {
  return Attr(name, model::AttributeKind::kRelationship, std::move(object));
}

inline model::Entity MakeEntity(std::vector<model::Attribute> attributes) {
  model::Entity e;
  e.id = "urn:ngsi-ld:Thing:1";
  e.types = {Ex("Thing")};
  e.attributes = std::move(attributes);
  e.SortAttributes();
  return e;
}

// Parses q (failing the test on an error) and evaluates it against e.
inline bool Matches(std::string_view q, const model::Entity& e) {
  auto parsed = ParseQ(q, Expander());
  EXPECT_TRUE(parsed.ok()) << q << ": " << parsed.status().message();
  return parsed.ok() && (*parsed)->Matches(e);
}

// The error of parsing q; a default Status when q parsed.
inline Status ParseError(std::string_view q) {
  auto parsed = ParseQ(q, Expander());
  return parsed.ok() ? Status() : parsed.status();
}

}  // namespace civitas::query::testing
