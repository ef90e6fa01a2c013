// POST /entityOperations/{create,upsert,update,delete,merge}: 201/204/207 and
// the BatchOperationResult.

#include <gtest/gtest.h>

#include "broker_fixture.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

std::string Id(int i) { return "urn:ngsi-ld:Bin:" + std::to_string(i); }

json::object Bin(int i, int fill) {
  return json::object{
      {"id", Id(i)}, {"type", "WasteContainer"}, {"fillingLevel", Prop(fill)}};
}

class BatchTest : public BrokerTest {
protected:
  HttpResult Op(const std::string &op, const json::value &body) {
    return http().Post(std::string(kApi) + "/entityOperations/" + op, body);
  }
  // The errors of a 207 BatchOperationResult by entity id; checks their
  // ProblemDetails shape.
  std::map<std::string, std::string> Errors(const HttpResult &r) {
    std::map<std::string, std::string> out;
    auto body = r.Json();
    for (const auto &e : body.at("errors").as_array()) {
      const auto &error = e.at("error").as_object();
      EXPECT_TRUE(error.contains("title")) << e;
      EXPECT_TRUE(error.contains("detail")) << e;
      std::string type(error.at("type").as_string());
      out[std::string(e.at("entityId").as_string())] =
          type.substr(type.rfind('/') + 1);
    }
    return out;
  }
  std::vector<std::string> Success(const HttpResult &r) {
    std::vector<std::string> out;
    auto body = r.Json();
    for (const auto &s : body.at("success").as_array())
      out.emplace_back(s.as_string());
    return out;
  }
  int64_t Fill(int i) {
    return Fetch(Id(i), "?options=keyValues").at("fillingLevel").as_int64();
  }
};

TEST_F(BatchTest, CreateAllThenPartial) {
  auto r = Op("create", json::array{Bin(1, 10), Bin(2, 20)});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json(), json::value(json::array{Id(1), Id(2)}));
  EXPECT_EQ(Fill(2), 20);

  r = Op("create", json::array{Bin(2, 99), Bin(3, 30),
                               json::object{{"id", "bad id"}, {"type", "X"}},
                               json::object{{"type", "X"}}});
  ASSERT_EQ(r.status, 207) << r.body;
  EXPECT_EQ(Success(r), (std::vector<std::string>{Id(3)}));
  auto errors = Errors(r);
  EXPECT_EQ(errors[Id(2)], "AlreadyExists");
  EXPECT_EQ(errors["bad id"], "BadRequestData");
  EXPECT_EQ(errors.size(), 3u) << r.body;
  EXPECT_EQ(Fill(2), 20); // untouched
  EXPECT_EQ(Fill(3), 30);

  // The same id twice in one batch: the second is a conflict.
  r = Op("create", json::array{Bin(4, 1), Bin(4, 2)});
  ASSERT_EQ(r.status, 207) << r.body;
  EXPECT_EQ(Success(r), (std::vector<std::string>{Id(4)}));
  EXPECT_EQ(Errors(r)[Id(4)], "AlreadyExists");
  EXPECT_EQ(Fill(4), 1);
}

TEST_F(BatchTest, UpsertReplaceAndUpdate) {
  ASSERT_EQ(Op("create", json::array{json::object{{"id", Id(1)},
                                                  {"type", "WasteContainer"},
                                                  {"fillingLevel", Prop(10)},
                                                  {"status", Prop("ok")}}})
                .status,
            201);
  // Default (replace): attributes not in the body go away; new entities are
  // created (201).
  auto r = Op("upsert", json::array{Bin(1, 11), Bin(2, 22)});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json(), json::value(json::array{Id(2)}));
  auto e1 = Fetch(Id(1));
  EXPECT_EQ(e1.at("fillingLevel").at("value").as_int64(), 11);
  EXPECT_FALSE(e1.contains("status"));
  // Nothing new: 204.
  r = Op("upsert?options=replace", json::array{Bin(1, 12)});
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(Fill(1), 12);
  // options=update keeps attributes not in the body.
  ASSERT_EQ(http()
                .Post(EntityUrl(Id(2)) + "/attrs",
                      json::object{{"status", Prop("full")}})
                .status,
            204);
  r = Op("upsert?options=update", json::array{Bin(2, 23)});
  EXPECT_EQ(r.status, 204) << r.body;
  auto e2 = Fetch(Id(2));
  EXPECT_EQ(e2.at("fillingLevel").at("value").as_int64(), 23);
  EXPECT_EQ(e2.at("status").at("value").as_string(), "full");
  // An invalid item is reported, the valid one applied.
  r = Op("upsert",
         json::array{Bin(3, 33),
                     json::object{{"id", Id(4)},
                                  {"type", "WasteContainer"},
                                  {"fillingLevel", {{"type", "Property"}}}}});
  ASSERT_EQ(r.status, 207) << r.body;
  EXPECT_EQ(Success(r), (std::vector<std::string>{Id(3)}));
  EXPECT_EQ(Errors(r)[Id(4)], "BadRequestData");
  EXPECT_EQ(http().Get(EntityUrl(Id(4))).status, 404);
}

TEST_F(BatchTest, UpdateWithNoOverwrite) {
  ASSERT_EQ(Op("create", json::array{Bin(1, 10), Bin(2, 20)}).status, 201);
  auto r =
      Op("update",
         json::array{json::object{{"id", Id(1)}, {"fillingLevel", Prop(15)}},
                     json::object{{"id", Id(2)}, {"status", Prop("ok")}}});
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(Fill(1), 15);
  EXPECT_EQ(Fetch(Id(2)).at("status").at("value").as_string(), "ok");

  r = Op("update?options=noOverwrite",
         json::array{json::object{{"id", Id(1)},
                                  {"fillingLevel", Prop(99)},
                                  {"colour", Prop("green")}}});
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(Fill(1), 15);
  EXPECT_EQ(Fetch(Id(1)).at("colour").at("value").as_string(), "green");

  r = Op("update",
         json::array{json::object{{"id", Id(1)}, {"fillingLevel", Prop(16)}},
                     json::object{{"id", Id(9)}, {"fillingLevel", Prop(1)}}});
  ASSERT_EQ(r.status, 207) << r.body;
  EXPECT_EQ(Success(r), (std::vector<std::string>{Id(1)}));
  EXPECT_EQ(Errors(r)[Id(9)], "ResourceNotFound");
  EXPECT_EQ(Fill(1), 16);
  EXPECT_EQ(http().Get(EntityUrl(Id(9))).status, 404);
}

TEST_F(BatchTest, MergeKeepsSubAttributes) {
  ASSERT_EQ(Op("create",
               json::array{json::object{
                   {"id", Id(1)},
                   {"type", "WasteContainer"},
                   {"fillingLevel",
                    {{"type", "Property"}, {"value", 10}, {"unitCode", "P1"}}},
                   {"status", Prop("ok")}}})
                .status,
            201);
  auto r =
      Op("merge", json::array{json::object{{"id", Id(1)},
                                           {"fillingLevel", {{"value", 40}}},
                                           {"status", "urn:ngsi-ld:null"}}});
  ASSERT_EQ(r.status, 204) << r.body;
  auto e = Fetch(Id(1));
  EXPECT_EQ(e.at("fillingLevel").at("value").as_int64(), 40);
  EXPECT_EQ(e.at("fillingLevel").at("unitCode").as_string(), "P1");
  EXPECT_FALSE(e.contains("status"));
  r = Op("merge", json::array{json::object{{"id", Id(7)}, {"a", Prop(1)}}});
  ASSERT_EQ(r.status, 207) << r.body;
  EXPECT_TRUE(Success(r).empty());
  EXPECT_EQ(Errors(r)[Id(7)], "ResourceNotFound");
}

TEST_F(BatchTest, Delete) {
  ASSERT_EQ(
      Op("create", json::array{Bin(1, 10), Bin(2, 20), Bin(3, 30)}).status,
      201);
  auto r = Op("delete", json::array{Id(1), Id(2)});
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(http().Get(EntityUrl(Id(1))).status, 404);
  EXPECT_EQ(http().Get(EntityUrl(Id(2))).status, 404);
  r = Op("delete", json::array{Id(3), Id(1), "not a uri"});
  ASSERT_EQ(r.status, 207) << r.body;
  EXPECT_EQ(Success(r), (std::vector<std::string>{Id(3)}));
  auto errors = Errors(r);
  EXPECT_EQ(errors[Id(1)], "ResourceNotFound");
  EXPECT_EQ(errors["not a uri"], "BadRequestData");
  EXPECT_EQ(http().Get(EntityUrl(Id(3))).status, 404);
}

TEST_F(BatchTest, RejectsMalformedBatches) {
  EXPECT_TRUE(IsProblem(Op("create", json::object{{"id", Id(1)}}), 400,
                        "BadRequestData"));
  EXPECT_TRUE(IsProblem(Op("create", json::array{}), 400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(Op("explode", json::array{Bin(1, 1)}), 404,
                        "ResourceNotFound"));
  EXPECT_TRUE(IsProblem(
      http().Send("POST", std::string(kApi) + "/entityOperations/create", "[{",
                  {}),
      400, "InvalidRequest"));
  EXPECT_EQ(http().Get(EntityUrl(Id(1))).status, 404);
}

} // namespace
} // namespace civitas::testing
