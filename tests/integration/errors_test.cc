// Request-level errors: routing, media types, methods, malformed targets; every
// error is a ProblemDetails document.

#include <gtest/gtest.h>

#include "broker_fixture.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

class ErrorsTest : public BrokerTest {};

TEST_F(ErrorsTest, UnknownResourcesAndMethods) {
  EXPECT_TRUE(IsProblem(http().Get("/nothing"), 404, "ResourceNotFound"));
  EXPECT_TRUE(IsProblem(http().Get(std::string(kApi) + "/bananas"), 404,
                        "ResourceNotFound"));
  EXPECT_TRUE(IsProblem(http().Delete(std::string(kApi) + "/entities"), 400,
                        "InvalidRequest"));
  EXPECT_TRUE(
      IsProblem(http().Send("POST", EntityUrl("urn:ngsi-ld:T:1"), "{}", {}),
                400, "InvalidRequest"));
  EXPECT_TRUE(IsProblem(http().Get(std::string(kApi) + "/csourceSubscriptions"), 422,
                        "OperationNotSupported"));
  EXPECT_TRUE(IsProblem(http().Put(std::string(kApi) + "/subscriptions", boost::json::object{}),
                        400, "InvalidRequest"));
  EXPECT_TRUE(IsProblem(http().Delete(std::string(kApi) + "/temporal/entities"), 400,
                        "InvalidRequest"));
}

TEST_F(ErrorsTest, EntityIdsInPathMustBeUris) {
  EXPECT_TRUE(
      IsProblem(http().Get(EntityUrl("not-a-uri")), 400, "BadRequestData"));
  EXPECT_TRUE(
      IsProblem(http().Delete(EntityUrl("not-a-uri")), 400, "BadRequestData"));
  EXPECT_TRUE(IsProblem(http().Patch(EntityUrl("not-a-uri") + "/attrs",
                                     json::object{{"a", Prop(1)}}),
                        400, "BadRequestData"));
  EXPECT_TRUE(
      IsProblem(http().Get(EntityUrl("urn%ZZ")), 400, "InvalidRequest"));
}

TEST_F(ErrorsTest, MediaTypes) {
  Create(
      json::object{{"id", "urn:ngsi-ld:T:1"}, {"type", "T"}, {"a", Prop(1)}});
  EXPECT_TRUE(IsProblem(
      http().Get(EntityUrl("urn:ngsi-ld:T:1"), {{"Accept", "text/html"}}), 406,
      "NotAcceptable"));
  EXPECT_TRUE(IsProblem(
      http().Get(std::string(kApi) + "/types", {{"Accept", "application/xml"}}),
      406, "NotAcceptable"));
  // geo+json only for entity retrieval and queries.
  EXPECT_TRUE(IsProblem(http().Get(std::string(kApi) + "/types",
                                   {{"Accept", "application/geo+json"}}),
                        406, "NotAcceptable"));
  EXPECT_EQ(
      http().Get(EntityUrl("urn:ngsi-ld:T:1"), {{"Accept", "*/*"}}).status,
      200);
  EXPECT_EQ(http()
                .Get(EntityUrl("urn:ngsi-ld:T:1"),
                     {{"Accept", "application/json;q=0.9, text/html"}})
                .status,
            200);
  for (const char *type :
       {"text/plain", "application/xml", "application/x-www-form-urlencoded"}) {
    EXPECT_TRUE(
        IsProblem(http().Send("PATCH", EntityUrl("urn:ngsi-ld:T:1") + "/attrs",
                              R"({"a":{"type":"Property","value":2}})",
                              {{"Content-Type", type}}),
                  415, "UnsupportedMediaType"))
        << type;
  }
  EXPECT_EQ(Fetch("urn:ngsi-ld:T:1", "?options=keyValues").at("a").as_int64(),
            1);
}

TEST_F(ErrorsTest, MalformedLinkHeader) {
  EXPECT_TRUE(IsProblem(
      http().Get(std::string(kApi) + "/entities?type=T", {{"Link", "garbage"}}),
      400, "BadRequestData"));
}

TEST_F(ErrorsTest, DeeplyNestedJsonIsRejected) {
  std::string deep(200, '[');
  deep += std::string(200, ']');
  EXPECT_TRUE(IsProblem(
      http().Send("POST", std::string(kApi) + "/entityOperations/create", deep,
                  {}),
      400, "InvalidRequest"));
  std::string sub = "{\"id\":\"urn:ngsi-ld:T:9\",\"type\":\"T\",\"a\":";
  for (int i = 0; i < 40; ++i)
    sub += "{\"type\":\"Property\",\"value\":1,\"s\":";
  sub += "1";
  for (int i = 0; i < 40; ++i)
    sub += "}";
  sub += "}";
  EXPECT_TRUE(
      IsProblem(http().Send("POST", std::string(kApi) + "/entities", sub, {}),
                400, "BadRequestData"));
  EXPECT_EQ(http().Get(EntityUrl("urn:ngsi-ld:T:9")).status, 404);
}

} // namespace
} // namespace civitas::testing
