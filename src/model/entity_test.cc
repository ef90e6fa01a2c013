#include "civitas/model/entity.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace civitas::model {
namespace {

Attribute Named(std::string name, std::string dataset_id, int value) {
  Attribute a;
  a.name = std::move(name);
  a.dataset_id = std::move(dataset_id);
  a.value = value;
  return a;
}

// (name, datasetId, value) of each attribute, in order.
std::vector<std::tuple<std::string, std::string, int64_t>> Keys(const Entity& e) {
  std::vector<std::tuple<std::string, std::string, int64_t>> out;
  for (const auto& a : e.attributes) out.emplace_back(a.name, a.dataset_id, a.value.as_int64());
  return out;
}

TEST(EntityTest, SortAttributesOrdersByNameThenDatasetAndKeepsTheLastOfEqualKeys) {
  Entity e;
  e.attributes = {Named("b", "", 1), Named("a", "urn:d2", 2), Named("a", "", 3), Named("b", "", 4),
                  Named("a", "urn:d1", 5)};
  e.SortAttributes();
  EXPECT_EQ(Keys(e), (std::vector<std::tuple<std::string, std::string, int64_t>>{
                         {"a", "", 3}, {"a", "urn:d1", 5}, {"a", "urn:d2", 2}, {"b", "", 4}}));
}

TEST(EntityTest, SortAttributesLeavesAnOrderedListAsItIs) {
  Entity e;
  e.attributes = {Named("a", "", 1), Named("a", "urn:d1", 2), Named("b", "", 3)};
  const auto before = Keys(e);
  e.SortAttributes();
  EXPECT_EQ(Keys(e), before);
  // Adjacent equal keys are not "ordered": the earlier one goes.
  e.attributes.push_back(Named("b", "", 4));
  e.SortAttributes();
  EXPECT_EQ(Keys(e), (std::vector<std::tuple<std::string, std::string, int64_t>>{
                         {"a", "", 1}, {"a", "urn:d1", 2}, {"b", "", 4}}));
}

}  // namespace
}  // namespace civitas::model
