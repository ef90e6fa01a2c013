// Transport rules against the real server: TLS 1.2+ with a certificate the test generates,
// slow-client timeouts and request size limits.

#include <gtest/gtest.h>

#include "auth_support.h"
#include "broker_fixture.h"

namespace civitas::testing {
namespace {

TEST(TransportTest, ServesHttpsWithTheConfiguredCertificate) {
  TempDir certs;
  ASSERT_TRUE(MakeTestCertificate(certs.path())) << "openssl req failed";
  const std::string cert = (certs.path() / "cert.pem").string();
  TempDir data;
  ServerProcess server(data.path(),
                       {"--tls-cert", cert, "--tls-key", (certs.path() / "key.pem").string()});
  ASSERT_GT(server.port(), 0);
  auto health = HttpsGet(server.port(), cert, "/healthz", "");
  ASSERT_TRUE(health.handshake_ok);
  EXPECT_EQ(health.status, 200);
  auto types = HttpsGet(server.port(), cert, std::string(kApi) + "/types", kTestAdminToken);
  EXPECT_EQ(types.status, 200) << types.body;
  EXPECT_EQ(HttpsGet(server.port(), cert, std::string(kApi) + "/types", "").status, 401);
  // TLS 1.1 is refused, and so is plain HTTP on the TLS port.
  EXPECT_FALSE(HttpsGet(server.port(), cert, "/healthz", "", /*tls11_only=*/true).handshake_ok);
  HttpClient plain(server.port(), /*tolerate_disconnects=*/true);
  EXPECT_NE(plain.Get("/healthz").status, 200);
  // A client that does not trust the certificate does not connect.
  TempDir other;
  ASSERT_TRUE(MakeTestCertificate(other.path()));
  EXPECT_FALSE(
      HttpsGet(server.port(), (other.path() / "cert.pem").string(), "/healthz", "").handshake_ok);
}

TEST(TransportTest, SlowClientsAreCutOff) {
  TempDir data;
  ServerProcess server(data.path(), {"--request-timeout", "1"});
  // Half a request, never finished: the server closes the connection after the timeout.
  EXPECT_TRUE(ServerClosesWithin(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n",
                                 std::chrono::seconds(20)));
  {
    HttpClient client(server.port());
    EXPECT_EQ(client.Get("/healthz").status, 200) << "other clients are still served";
  }  // closed: an idle connection would be cut off too on a host slowed past the timeout
  // Not HTTP at all: 400 and closed.
  EXPECT_TRUE(ServerClosesWithin(server.port(), "NOT HTTP\r\n\r\n", std::chrono::seconds(20)));
  const std::string metrics = HttpClient(server.port()).Get("/metrics").body;
  EXPECT_NE(metrics.find("civitas_http_refused_total{reason=\"timed_out\"} 1\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("civitas_http_refused_total{reason=\"malformed\"} 1\n"), std::string::npos)
      << metrics;
}

TEST(TransportTest, OversizedBodiesAndHeadersAreRefused) {
  TempDir data;
  ServerProcess server(data.path(), {"--max-body-bytes", "2048"});
  HttpClient client(server.port());
  std::string big(4096, ' ');
  auto r = client.Send("POST", std::string(kApi) + "/entities", "{" + big + "}");
  EXPECT_TRUE(IsProblem(r, 413, "BadRequestData"));
  HttpClient headers(server.port(), /*tolerate_disconnects=*/true);
  auto h = headers.Send(
      "GET", "/healthz", "",
      {{"X-Padding-1", std::string(40000, 'a')}, {"X-Padding-2", std::string(40000, 'b')}});
  EXPECT_TRUE(IsProblem(h, 431, "BadRequestData"));
  // JSON nested deeper than the parser's limit is refused, not recursed into.
  std::string deep = std::string(200, '[') + std::string(200, ']');
  HttpClient json_client(server.port());
  auto d = json_client.Send(
      "POST", std::string(kApi) + "/entities",
      R"({"id":"urn:x:1","type":"T","p":{"type":"Property","value":)" + deep + "}}");
  EXPECT_EQ(d.status, 400) << d.body;
  HttpClient after(server.port());
  EXPECT_EQ(after.Get("/healthz").status, 200);
  EXPECT_EQ(after.Get(std::string(kApi) + "/entities/urn:x:1").status, 404);
  // The HTTP layer answered the 413 and the 431 itself: counted apart from handled requests.
  const std::string metrics = after.Get("/metrics").body;
  for (const char* line : {"civitas_http_refused_total{reason=\"body_too_large\"} 1\n",
                           "civitas_http_refused_total{reason=\"headers_too_large\"} 1\n",
                           "civitas_http_refused_total{reason=\"malformed\"} 0\n",
                           "civitas_http_refused_total{reason=\"timed_out\"} 0\n"}) {
    EXPECT_NE(metrics.find(line), std::string::npos) << line << metrics;
  }
}

TEST(TransportTest, CorsIsOfferedToConfiguredOriginsOnly) {
  TempDir data;
  ServerProcess server(data.path(), {"--cors-origin", "https://portal.example"});
  HttpClient browser(server.port());
  browser.SetBearer("");
  auto preflight = browser.Send("OPTIONS", std::string(kApi) + "/entities", "",
                                {{"Origin", "https://portal.example"},
                                 {"Access-Control-Request-Method", "POST"},
                                 {"Access-Control-Request-Headers", "authorization"}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.Header("access-control-allow-origin"), "https://portal.example");
  EXPECT_NE(preflight.Header("access-control-allow-headers").find("Authorization"),
            std::string::npos);
  browser.SetBearer(kTestAdminToken);
  auto get = browser.Get(std::string(kApi) + "/types", {{"Origin", "https://portal.example"}});
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.Header("access-control-allow-origin"), "https://portal.example");
  auto other = browser.Get(std::string(kApi) + "/types", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.Header("access-control-allow-origin"), "");
  auto other_preflight = browser.Send("OPTIONS", std::string(kApi) + "/entities", "",
                                      {{"Origin", "https://evil.example"},
                                       {"Access-Control-Request-Method", "POST"},
                                       {"Authorization", ""}});
  EXPECT_EQ(other_preflight.Header("access-control-allow-origin"), "");
  EXPECT_NE(other_preflight.status, 204);
}

}  // namespace
}  // namespace civitas::testing
