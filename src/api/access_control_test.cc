// The credential forms the gate reads: Bearer and Token headers, Basic with the token as the
// password (InfluxDB 1.x clients), and /write's p= query parameter.

#include <gtest/gtest.h>

#include "src/api/access_control_impl.h"

namespace civitas::api {
namespace {

HttpRequest Request(std::string target, std::string authorization = "") {
  HttpRequest request{http::verb::post, target, 11};
  if (!authorization.empty()) request.set(http::field::authorization, authorization);
  return request;
}

std::optional<std::string> Presented(const HttpRequest& request) {
  std::string_view target = request.target();
  auto token = PresentedToken(request, target.substr(0, target.find('?')));
  EXPECT_TRUE(token.ok()) << token.status().message();
  return token.ok() ? *token : std::nullopt;
}

TEST(PresentedTokenTest, BearerTokenAndBasicPassword) {
  EXPECT_EQ(Presented(Request("/ngsi-ld/v1/entities", "Bearer cvt_a_b")), "cvt_a_b");
  EXPECT_EQ(Presented(Request("/ngsi-ld/v1/entities", "bearer  cvt_a_b ")), "cvt_a_b");
  EXPECT_EQ(Presented(Request("/api/v2/write", "Token cvt_a_b")), "cvt_a_b");
  EXPECT_EQ(Presented(Request("/api/v2/write", "TOKEN cvt_a_b")), "cvt_a_b");
  // base64("telegraf:cvt_a_b:c"): the password is everything after the first ':'.
  EXPECT_EQ(Presented(Request("/write", "Basic dGVsZWdyYWY6Y3Z0X2FfYjpj")), "cvt_a_b:c");
  EXPECT_EQ(Presented(Request("/write")), std::nullopt);
}

TEST(PresentedTokenTest, QueryPasswordOnlyOnTheInfluxDb1WritePath) {
  EXPECT_EQ(Presented(Request("/write?db=x&u=telegraf&p=cvt%5Fa_b")), "cvt_a_b");
  EXPECT_EQ(Presented(Request("/write?p=")), "");
  EXPECT_EQ(Presented(Request("/api/v2/write?p=cvt_a_b")), std::nullopt);
  EXPECT_EQ(Presented(Request("/ngsi-ld/v1/entities?p=cvt_a_b")), std::nullopt);
  // A header wins over the query.
  EXPECT_EQ(Presented(Request("/write?p=query", "Token header")), "header");
}

TEST(PresentedTokenTest, OtherSchemesAndBadBasicAreUnauthenticated) {
  for (const char* header : {"Digest abc", "Basic !!!notbase64", "Basic dGVsZWdyYWY=", "Bearer"}) {
    HttpRequest request = Request("/write", header);
    auto token = PresentedToken(request, "/write");
    ASSERT_FALSE(token.ok()) << header;
    EXPECT_EQ(token.status().code(), StatusCode::kUnauthenticated) << header;
  }
}

}  // namespace
}  // namespace civitas::api
