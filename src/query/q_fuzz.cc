// libFuzzer target for the q parser and evaluator: any input either fails to parse with a
// Status or yields an expression that evaluates without crashing against a fixed entity.

#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "civitas/model/entity.h"
#include "civitas/query/q.h"

namespace {

using civitas::model::Attribute;
using civitas::model::AttributeKind;
using civitas::model::Entity;

std::string Expand(std::string_view term) { return "https://ex.org/" + std::string(term); }

Attribute Make(std::string_view name, AttributeKind kind, std::string_view json) {
  Attribute a;
  a.name = Expand(name);
  a.kind = kind;
  a.value = boost::json::parse(json);
  return a;
}

const Entity& Sample() {
  static const Entity entity = [] {
    Entity e;
    e.id = "urn:ngsi-ld:Thing:fuzz";
    auto temperature = Make("temperature", AttributeKind::kProperty, "23.5");
    temperature.observed_at = *civitas::ParseTimestamp("2020-06-01T10:00:00Z");
    temperature.unit_code = "CEL";
    temperature.sub_attributes.push_back(Make("accuracy", AttributeKind::kProperty, "0.5"));
    e.attributes.push_back(temperature);
    auto speed = Make("speed", AttributeKind::kProperty, "[1,2,3]");
    speed.dataset_id = "urn:ngsi-ld:Dataset:a";
    e.attributes.push_back(speed);
    e.attributes.push_back(Make("name", AttributeKind::kProperty, R"("Dublin Port")"));
    e.attributes.push_back(
        Make("address", AttributeKind::kProperty, R"({"city":"Dublin","geo":{"lat":53.3}})"));
    e.attributes.push_back(
        Make("refStore", AttributeKind::kRelationship, R"("urn:ngsi-ld:Store:1")"));
    e.attributes.push_back(Make("street", AttributeKind::kLanguageProperty,
                                R"({"en":"Main St","ga":"Príomhshráid"})"));
    e.attributes.push_back(
        Make("dateObserved", AttributeKind::kProperty, R"("2018-12-04T12:00:00Z")"));
    e.attributes.push_back(
        Make("category", AttributeKind::kVocabProperty, R"(["https://ex.org/open"])"));
    e.SortAttributes();
    return e;
  }();
  return entity;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view q(reinterpret_cast<const char*>(data), size);
  civitas::query::TermExpander expand = Expand;
  auto parsed = civitas::query::ParseQ(q, expand);
  if (!parsed.ok()) {
    if (parsed.status().message().empty()) __builtin_trap();
    return 0;
  }
  (void)(*parsed)->Matches(Sample());
  (void)(*parsed)->RequiredAttributes();
  return 0;
}
