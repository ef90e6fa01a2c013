// Security against the real server: 401/403 ProblemDetails, token CRUD over HTTP and the CLI,
// roles, device entity ownership, tenant isolation (a seeded property test), JWTs, the audit
// log, brute-force lockout and rate limits.

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "auth_support.h"
#include "broker_fixture.h"

namespace civitas::testing {
namespace {

namespace json = boost::json;

json::object Lamp(const std::string& id, const std::string& marker) {
  return json::object{{"id", id}, {"type", "Lamp"}, {"note", Prop(json::string(marker))}};
}

class AuthTest : public BrokerTest {
 protected:
  // A client sending `token` ("" for none).
  std::unique_ptr<HttpClient> As(const std::string& token) {
    auto client = std::make_unique<HttpClient>(server_->port());
    client->SetBearer(token);
    return client;
  }
  std::string Token(const json::object& spec) {
    auto created = CreateToken(http(), spec);
    return created.contains("token") ? std::string(created.at("token").as_string()) : "";
  }
};

TEST_F(AuthTest, MissingOrBadTokensAre401ProblemDetails) {
  auto anonymous = As("");
  auto r = anonymous->Get(std::string(kApi) + "/entities?type=Lamp");
  EXPECT_TRUE(IsProblem(r, 401, "Unauthorized"));
  EXPECT_NE(r.Header("www-authenticate").find("Bearer"), std::string::npos);
  for (const char* bad :
       {"cvt_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "nonsense", "a.b.c"}) {
    EXPECT_TRUE(
        IsProblem(As(bad)->Get(std::string(kApi) + "/entities?type=Lamp"), 401, "Unauthorized"))
        << bad;
  }
  EXPECT_TRUE(IsProblem(anonymous->Send("GET", std::string(kApi) + "/types", "",
                                        {{"Authorization", "Basic YWxpY2U6cHc="}}),
                        401, "Unauthorized"));
  EXPECT_TRUE(IsProblem(anonymous->Get("/api/v1/tokens"), 401, "Unauthorized"));
  // Probes reveal nothing and stay open.
  EXPECT_EQ(anonymous->Get("/healthz").status, 200);
  EXPECT_EQ(anonymous->Get("/readyz").status, 200);
  // A refused write changed nothing.
  EXPECT_EQ(
      anonymous->Post(std::string(kApi) + "/entities", Lamp("urn:ngsi-ld:Lamp:x", "x")).status,
      401);
  EXPECT_EQ(http().Get(EntityUrl("urn:ngsi-ld:Lamp:x")).status, 404);
}

TEST_F(AuthTest, RolesGetTheirPermissionsAndOthersAre403) {
  Create(Lamp("urn:ngsi-ld:Lamp:1", "one"));
  auto analyst = As(Token({{"role", "analyst"}, {"tenants", {"default"}}}));
  auto citizen = As(Token({{"role", "citizen"}, {"tenants", {"default"}}}));
  auto op = As(Token({{"role", "operator"}, {"tenants", {"default"}}}));
  EXPECT_EQ(analyst->Get(EntityUrl("urn:ngsi-ld:Lamp:1")).status, 200);
  EXPECT_EQ(analyst->Get(std::string(kApi) + "/temporal/entities/urn:ngsi-ld:Lamp:1").status, 200);
  auto denied = analyst->Patch(EntityUrl("urn:ngsi-ld:Lamp:1") + "/attrs",
                               json::object{{"note", Prop("changed")}});
  EXPECT_TRUE(IsProblem(denied, 403, "Forbidden"));
  EXPECT_NE(denied.body.find("write entities"), std::string::npos) << denied.body;
  EXPECT_TRUE(IsProblem(citizen->Get(EntityUrl("urn:ngsi-ld:Lamp:1")), 403, "Forbidden"));
  EXPECT_TRUE(IsProblem(op->Get("/api/v1/tokens"), 403, "Forbidden"));
  EXPECT_TRUE(IsProblem(op->Get("/api/v1/audit"), 403, "Forbidden"));
  EXPECT_TRUE(IsProblem(op->Post("/iot/services", json::object{{"services", json::array{}}}), 403,
                        "Forbidden"));
  EXPECT_EQ(
      op->Patch(EntityUrl("urn:ngsi-ld:Lamp:1") + "/attrs", json::object{{"note", Prop("changed")}})
          .status,
      204);
  EXPECT_EQ(Fetch("urn:ngsi-ld:Lamp:1", "?options=keyValues").at("note"), "changed");
}

TEST_F(AuthTest, TokensAreCreatedShownOnceListedAndRevoked) {
  auto created =
      CreateToken(http(), {{"role", "analyst"}, {"tenants", {"north"}}, {"expires", "30d"}});
  ASSERT_TRUE(created.contains("id") && created.contains("token"));
  const std::string id(created.at("id").as_string());
  const std::string token(created.at("token").as_string());
  const std::string secret = token.substr(token.rfind('_') + 1);
  auto listed = http().Get("/api/v1/tokens");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(secret), std::string::npos) << "the secret is shown only once";
  bool found = false;
  const json::value tokens = listed.Json();
  for (const auto& t : tokens.as_array()) {
    if (t.at("id").as_string() == id) {
      found = true;
      EXPECT_EQ(t.at("role"), "analyst");
      EXPECT_TRUE(t.as_object().contains("expires"));
      EXPECT_FALSE(t.as_object().contains("token"));
      EXPECT_FALSE(t.as_object().contains("hash"));
    }
  }
  EXPECT_TRUE(found);
  auto user = As(token);
  EXPECT_EQ(user->Get(std::string(kApi) + "/types", {{"NGSILD-Tenant", "north"}}).status, 404)
      << "valid token; the tenant has no data yet";
  EXPECT_EQ(http().Delete("/api/v1/tokens/" + id).status, 204);
  EXPECT_TRUE(IsProblem(user->Get(std::string(kApi) + "/types", {{"NGSILD-Tenant", "north"}}), 401,
                        "Unauthorized"));
  EXPECT_TRUE(IsProblem(http().Delete("/api/v1/tokens/ffffffffffffffff"), 404, "ResourceNotFound"));
  EXPECT_TRUE(IsProblem(http().Post("/api/v1/tokens", json::object{{"role", "root"}}), 400,
                        "BadRequestData"));
  EXPECT_TRUE(IsProblem(http().Send("POST", "/api/v1/tokens", "{not json"), 400, "InvalidRequest"));
  // Tokens survive a restart (stored as keyed hashes).
  auto kept = Token({{"role", "partner"}, {"tenants", {"north"}}});
  Restart();
  EXPECT_EQ(As(kept)->Get(std::string(kApi) + "/types", {{"NGSILD-Tenant", "north"}}).status, 404);
}

TEST_F(AuthTest, TokensAreValidOnlyForTheirTenants) {
  Create(Lamp("urn:ngsi-ld:Lamp:1", "a"), {{"NGSILD-Tenant", "a"}});
  Create(Lamp("urn:ngsi-ld:Lamp:1", "b"), {{"NGSILD-Tenant", "b"}});
  auto partner = As(Token({{"role", "partner"}, {"tenants", {"a"}}}));
  EXPECT_EQ(partner->Get(EntityUrl("urn:ngsi-ld:Lamp:1"), {{"NGSILD-Tenant", "a"}}).status, 200);
  EXPECT_TRUE(IsProblem(partner->Get(EntityUrl("urn:ngsi-ld:Lamp:1"), {{"NGSILD-Tenant", "b"}}),
                        403, "Forbidden"));
  EXPECT_TRUE(IsProblem(partner->Get(EntityUrl("urn:ngsi-ld:Lamp:1")), 403, "Forbidden"))
      << "the default tenant is a tenant too";
}

TEST_F(AuthTest, DevicesWriteOnlyTheirOwnEntities) {
  Create(Lamp("urn:ngsi-ld:Lamp:1", "one"));
  Create(Lamp("urn:ngsi-ld:Lamp:2", "two"));
  auto device = As(Token({{"role", "device"},
                          {"tenants", {"default"}},
                          {"entities", {"urn:ngsi-ld:Lamp:1", "urn:ngsi-ld:Meter:*"}}}));
  json::object update{{"note", Prop("device")}};
  EXPECT_EQ(device->Patch(EntityUrl("urn:ngsi-ld:Lamp:1") + "/attrs", update).status, 204);
  EXPECT_TRUE(IsProblem(device->Patch(EntityUrl("urn:ngsi-ld:Lamp:2") + "/attrs", update), 403,
                        "Forbidden"));
  EXPECT_EQ(device->Post(std::string(kApi) + "/entities", Lamp("urn:ngsi-ld:Meter:9", "m")).status,
            201);
  EXPECT_TRUE(
      IsProblem(device->Post(std::string(kApi) + "/entities", Lamp("urn:ngsi-ld:Lamp:3", "x")), 403,
                "Forbidden"));
  json::array batch{Lamp("urn:ngsi-ld:Meter:10", "ok"), Lamp("urn:ngsi-ld:Lamp:2", "stolen")};
  EXPECT_TRUE(IsProblem(device->Post(std::string(kApi) + "/entityOperations/upsert", batch), 403,
                        "Forbidden"));
  EXPECT_TRUE(IsProblem(device->Get(EntityUrl("urn:ngsi-ld:Lamp:2")), 403, "Forbidden"));
  EXPECT_EQ(Fetch("urn:ngsi-ld:Lamp:2", "?options=keyValues").at("note"), "two");
  EXPECT_EQ(http().Get(EntityUrl("urn:ngsi-ld:Meter:10")).status, 404) << "the batch did nothing";
}

// Property: over random (role, tenants, NGSILD-Tenant, method, path), no response ever holds
// another tenant's data, and a tenant the token does not name is always 403.
TEST_F(AuthTest, NoResponseEverContainsAnotherTenantsData) {
  const std::vector<std::string> tenants = {"t0", "t1", "t2", "default"};
  for (const auto& t : tenants) {
    std::map<std::string, std::string> h;
    if (t != "default") h["NGSILD-Tenant"] = t;
    for (int i = 0; i < 3; ++i) {
      Create(Lamp("urn:ngsi-ld:Lamp:" + std::to_string(i), "secret-of-" + t), h);
    }
  }
  struct Caller {
    std::unique_ptr<HttpClient> client;
    std::set<std::string> tenants;
  };
  std::mt19937 random(20261202);
  const std::vector<std::string> roles = {"admin",   "operator", "analyst",
                                          "partner", "citizen",  "device"};
  std::vector<Caller> callers;
  for (int i = 0; i < 12; ++i) {
    std::set<std::string> mine;
    for (const auto& t : tenants) {
      if (random() % 3 == 0) mine.insert(t);
    }
    if (mine.empty()) mine.insert(tenants[random() % tenants.size()]);
    json::array list;
    for (const auto& t : mine) list.emplace_back(t);
    json::object spec{{"role", roles[random() % roles.size()]}, {"tenants", list}};
    if (spec.at("role").as_string() == "device")
      spec["entities"] = json::array{"urn:ngsi-ld:Lamp:1"};
    callers.push_back({As(Token(spec)), mine});
  }
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"GET", "/entities?type=Lamp"},
      {"GET", "/entities/urn:ngsi-ld:Lamp:1"},
      {"GET", "/entities/urn:ngsi-ld:Lamp:2?options=keyValues"},
      {"GET", "/types"},
      {"GET", "/attributes/note"},
      {"GET", "/temporal/entities/urn:ngsi-ld:Lamp:1"},
      {"GET", "/temporal/entities?type=Lamp&timerel=after&timeAt=2000-01-01T00:00:00Z"},
      {"POST", "/entityOperations/query"},
      {"PATCH", "/entities/urn:ngsi-ld:Lamp:1/attrs"},
  };
  int checked = 0, forbidden = 0;
  for (int i = 0; i < 300; ++i) {
    Caller& caller = callers[random() % callers.size()];
    const std::string& tenant = tenants[random() % tenants.size()];
    const auto& [method, path] = requests[random() % requests.size()];
    std::map<std::string, std::string> headers;
    if (tenant != "default") headers["NGSILD-Tenant"] = tenant;
    std::string body;
    if (method == "POST") body = R"({"type":"Query","entities":[{"type":"Lamp"}]})";
    if (method == "PATCH")
      body = R"({"note":{"type":"Property","value":"secret-of-)" + tenant + "\"}}";
    auto r = caller.client->Send(method, std::string(kApi) + path, body, headers);
    for (const auto& other : tenants) {
      if (caller.tenants.count(other) != 0) continue;
      ASSERT_EQ(r.body.find("secret-of-" + other + "\""), std::string::npos)
          << method << " " << path << " tenant " << tenant << ": " << r.body;
    }
    if (caller.tenants.count(tenant) == 0) {
      ASSERT_EQ(r.status, 403) << method << " " << path << " tenant " << tenant << ": " << r.body;
      ++forbidden;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 300);
  EXPECT_GT(forbidden, 30) << "the walk must also try tenants the tokens lack";
}

// The value of the sample `series` (name and labels as written) in a /metrics text; -1 when it
// is absent.
double MetricValue(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}
// A counter's value; 0 while nothing was counted (the series is not written yet).
double CounterValue(const std::string& text, const std::string& series) {
  return std::max(0.0, MetricValue(text, series));
}

// /metrics takes a token with "read metrics" (operators have it), and counts what was answered:
// per method and code, exactly, and the store as RocksDB reports it.
TEST_F(AuthTest, MetricsNeedTheirPermissionAndCountRequests) {
  EXPECT_TRUE(IsProblem(As("")->Get("/metrics"), 401, "Unauthorized"));
  EXPECT_TRUE(IsProblem(As(Token({{"role", "analyst"}, {"tenants", {"default"}}}))->Get("/metrics"),
                        403, "Forbidden"));
  auto op = As(Token({{"role", "operator"}, {"tenants", {"default"}}}));
  Create(Lamp("urn:ngsi-ld:Lamp:m", "m"));
  auto before = op->Get("/metrics");
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(before.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string ok_gets = R"(civitas_http_requests_total{method="GET",code="200"})";
  const std::string not_found = R"(civitas_http_requests_total{method="GET",code="404"})";
  const double gets = CounterValue(before.body, ok_gets);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(op->Get(EntityUrl("urn:ngsi-ld:Lamp:m")).status, 200);
  EXPECT_EQ(op->Get(EntityUrl("urn:ngsi-ld:Lamp:none")).status, 404);
  auto after = op->Get("/metrics");
  ASSERT_EQ(after.status, 200);
  // The five reads and the first scrape (counted once answered).
  EXPECT_EQ(MetricValue(after.body, ok_gets), gets + 6) << after.body;
  EXPECT_EQ(MetricValue(after.body, not_found), CounterValue(before.body, not_found) + 1);
  EXPECT_GE(MetricValue(after.body, "civitas_http_request_duration_seconds_count"), gets + 7);
  for (const char* family : {"default", "entities", "index", "meta", "temporal", "temporal_log"}) {
    EXPECT_GE(
        MetricValue(after.body, std::string("civitas_store_sst_bytes{family=\"") + family + "\"}"),
        0)
        << family;
  }
  EXPECT_GE(MetricValue(after.body, R"(civitas_store_keys{family="entities"})"), 1)
      << "the lamp is in the entities' memtable";
  EXPECT_EQ(MetricValue(after.body, "civitas_store_writes_stopped"), 0);
  EXPECT_EQ(MetricValue(after.body, "civitas_notify_dropped_changes_total"), 0);
  EXPECT_EQ(op->Post("/metrics", json::object{}).status, 400);
}

TEST(MetricsPublicTest, AnyoneMayScrapeWithMetricsPublic) {
  TempDir dir;
  ServerProcess server(dir.path(), {"--metrics-public"});
  HttpClient anonymous(server.port());
  anonymous.SetBearer("");
  auto r = anonymous.Get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("# TYPE civitas_uptime_seconds gauge\n"), std::string::npos) << r.body;
  // Only /metrics opened up.
  EXPECT_TRUE(
      IsProblem(anonymous.Get(std::string(kApi) + "/entities?type=Lamp"), 401, "Unauthorized"));
}

// An open /metrics still counts against the address's rate limit (a scrape reads a few dozen
// RocksDB properties); the health probes never do.
TEST(MetricsPublicTest, PublicScrapesAreRateLimitedAndHealthProbesAreNot) {
  TempDir dir;
  ServerProcess server(dir.path(), {"--metrics-public", "--rate-limit", "1", "--rate-burst", "5"});
  HttpClient anonymous(server.port());
  anonymous.SetBearer("");
  int scrapes = 0;
  HttpResult limited;
  for (; scrapes < 50; ++scrapes) {
    limited = anonymous.Get("/metrics");
    if (limited.status != 200) break;
  }
  EXPECT_TRUE(IsProblem(limited, 429, "TooManyRequests"));
  EXPECT_LE(scrapes, 10);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(anonymous.Get("/healthz").status, 200) << i;
    EXPECT_EQ(anonymous.Get("/readyz").status, 200) << i;
  }
}

TEST_F(AuthTest, JwtBearersAreVerified) {
  const std::string secret = "an-hs256-secret-for-the-integration-test";
  std::ofstream(dir_.path() / "jwt.secret") << secret;
  TempDir data;
  ServerProcess server(data.path(),
                       {"--jwt-hs256-secret-file", (dir_.path() / "jwt.secret").string(),
                        "--jwt-issuer", "https://idp.test", "--jwt-audience", "civitas"});
  HttpClient client(server.port());
  const long long exp = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() +
                        600;
  auto claims = [&](const std::string& iss, long long e) {
    return R"({"sub":"alice","iss":")" + iss + R"(","aud":"civitas","exp":)" + std::to_string(e) +
           R"(,"roles":["operator"],"tenants":["default"]})";
  };
  client.SetBearer(SignHs256(secret, claims("https://idp.test", exp)));
  EXPECT_EQ(client.Post(std::string(kApi) + "/entities", Lamp("urn:ngsi-ld:Lamp:1", "j")).status,
            201);
  client.SetBearer(SignHs256(secret, claims("https://evil.test", exp)));
  EXPECT_TRUE(IsProblem(client.Get(EntityUrl("urn:ngsi-ld:Lamp:1")), 401, "Unauthorized"));
  client.SetBearer(SignHs256(secret, claims("https://idp.test", exp - 7200)));
  EXPECT_TRUE(IsProblem(client.Get(EntityUrl("urn:ngsi-ld:Lamp:1")), 401, "Unauthorized"));
  client.SetBearer(
      SignHs256("some-other-secret-of-enough-length!!", claims("https://idp.test", exp)));
  EXPECT_TRUE(IsProblem(client.Get(EntityUrl("urn:ngsi-ld:Lamp:1")), 401, "Unauthorized"));
}

TEST(AuthServerTest, Rs256JwtsVerifyWithAPemKeyOrAJwksFile) {
  TempDir keys;
  ASSERT_TRUE(MakeRsaKey(keys.path()));
  const long long exp = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() +
                        600;
  const std::string claims = R"({"sub":"bob","exp":)" + std::to_string(exp) +
                             R"(,"roles":["analyst"],"tenants":["north"]})";
  for (const auto& flags : std::vector<std::vector<std::string>>{
           {"--jwt-public-key", (keys.path() / "rsa_pub.pem").string()},
           {"--jwks-file", (keys.path() / "jwks.json").string()}}) {
    TempDir data;
    ServerProcess server(data.path(), flags);
    HttpClient client(server.port());
    client.SetBearer(SignRs256(keys.path(), claims, "k1"));
    EXPECT_EQ(client.Get(std::string(kApi) + "/types", {{"NGSILD-Tenant", "north"}}).status, 404)
        << flags[0] << ": a valid token, a tenant without data";
    EXPECT_TRUE(IsProblem(client.Get(std::string(kApi) + "/types", {{"NGSILD-Tenant", "south"}}),
                          403, "Forbidden"));
    std::string forged = SignRs256(keys.path(), claims, "k1");
    forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
    client.SetBearer(forged);
    EXPECT_TRUE(IsProblem(client.Get(std::string(kApi) + "/types", {{"NGSILD-Tenant", "north"}}),
                          401, "Unauthorized"));
  }
}

TEST_F(AuthTest, AuditRecordsWhoDidWhatWithoutSecrets) {
  auto created = CreateToken(http(), {{"role", "operator"}, {"tenants", {"default"}}});
  const std::string token(created.at("token").as_string());
  const std::string bad_token = "cvt_0123456789abcdef_SECRETSECRETSECRETSECRETSECRETSECRETSECRE";
  EXPECT_EQ(As(bad_token)->Get(std::string(kApi) + "/types").status, 401);
  auto op = As(token);
  EXPECT_EQ(op->Post(std::string(kApi) + "/entities", Lamp("urn:ngsi-ld:Lamp:1", "x")).status, 201);
  EXPECT_EQ(op->Get(EntityUrl("urn:ngsi-ld:Lamp:1")).status, 200);
  EXPECT_EQ(http().Delete("/api/v1/tokens/" + std::string(created.at("id").as_string())).status,
            204);

  auto audit = http().Get("/api/v1/audit?limit=100");
  ASSERT_EQ(audit.status, 200) << audit.body;
  std::map<std::string, json::object> by_kind;
  const json::value events = audit.Json();
  for (const auto& e : events.as_array()) {
    by_kind[std::string(e.at("kind").as_string())] = e.as_object();
  }
  ASSERT_TRUE(by_kind.count("token_create") && by_kind.count("auth_failure") &&
              by_kind.count("write") && by_kind.count("token_revoke"))
      << audit.body;
  EXPECT_EQ(by_kind["write"].at("principal"), created.at("id"));
  EXPECT_EQ(by_kind["write"].at("action"), "POST /ngsi-ld/v1/entities");
  EXPECT_EQ(by_kind["write"].at("outcome"), 201);
  EXPECT_EQ(by_kind["write"].at("source"), "127.0.0.1");
  EXPECT_EQ(by_kind["auth_failure"].at("outcome"), 401);
  EXPECT_EQ(audit.body.find("GET /ngsi-ld/v1/entities/urn"), std::string::npos)
      << "reads are not audited";
  EXPECT_EQ(audit.body.find(token.substr(21)), std::string::npos);
  EXPECT_EQ(audit.body.find("SECRETSECRET"), std::string::npos);
  EXPECT_EQ(audit.body.find(kTestAdminToken), std::string::npos);
  EXPECT_TRUE(IsProblem(http().Get("/api/v1/audit?limit=x"), 400, "BadRequestData"));
  EXPECT_EQ(http().Get("/api/v1/audit?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z").body,
            "[]");

  // Nothing on disk holds a secret in clear.
  client_.reset();
  ASSERT_EQ(server_->Terminate(), 0);
  for (const auto& file : std::filesystem::recursive_directory_iterator(dir_.path())) {
    if (!file.is_regular_file()) continue;
    std::ifstream in(file.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(token.substr(21)), std::string::npos) << file.path();
    EXPECT_EQ(bytes.find("SECRETSECRET"), std::string::npos) << file.path();
    EXPECT_EQ(bytes.find(kTestAdminToken), std::string::npos) << file.path();
  }
  Start();
}

TEST_F(AuthTest, RepeatedBadTokensLockTheAddressOut) {
  HttpClient attacker(server_->port());
  attacker.SetSourceAddress("127.0.0.3");
  int unauthorized = 0;
  HttpResult r;
  for (int i = 0; i < 30; ++i) {
    attacker.SetBearer("cvt_0123456789abcdef_guess" + std::to_string(i) +
                       std::string(38 - std::to_string(i).size(), 'x'));
    r = attacker.Get(std::string(kApi) + "/types");
    if (r.status == 401) ++unauthorized;
    if (r.status == 429) break;
  }
  EXPECT_EQ(unauthorized, 10) << "the default lockout allows 10 failures";
  EXPECT_TRUE(IsProblem(r, 429, "TooManyRequests"));
  EXPECT_GE(std::stoi(r.Header("retry-after")), 1);
  // Locked out even with the right token now; another address is served.
  attacker.SetBearer(kTestAdminToken);
  EXPECT_EQ(attacker.Get(std::string(kApi) + "/types").status, 429);
  HttpClient other(server_->port());
  other.SetSourceAddress("127.0.0.4");
  EXPECT_EQ(other.Get("/api/v1/tokens").status, 200);
}

TEST(AuthServerTest, FloodedClientsGet429WhileOthersAreServed) {
  TempDir data;
  ServerProcess server(data.path(), {"--rate-limit", "5", "--rate-burst", "10"});
  HttpClient admin(server.port());
  admin.SetSourceAddress("127.0.0.5");
  auto a = CreateToken(admin, {{"role", "analyst"}, {"tenants", {"*"}}});
  auto b = CreateToken(admin, {{"role", "analyst"}, {"tenants", {"*"}}});
  HttpClient flooder(server.port());
  flooder.SetSourceAddress("127.0.0.6");
  flooder.SetBearer(std::string(a.at("token").as_string()));
  HttpResult limited;
  int served = 0;
  for (int i = 0; i < 100 && limited.status != 429; ++i) {
    auto r = flooder.Get(std::string(kApi) + "/types");
    if (r.status == 429)
      limited = r;
    else
      ++served;
  }
  EXPECT_TRUE(IsProblem(limited, 429, "TooManyRequests"));
  EXPECT_GE(std::stoi(limited.Header("retry-after")), 1);
  EXPECT_GE(served, 10) << "the burst is served";
  EXPECT_LT(served, 40);
  HttpClient other(server.port());
  other.SetSourceAddress("127.0.0.7");
  other.SetBearer(std::string(b.at("token").as_string()));
  for (int i = 0; i < 5; ++i) {
    EXPECT_NE(other.Get(std::string(kApi) + "/types").status, 429) << i;
  }
  // Without any token, the per-address bucket alone stops a flood.
  HttpClient anonymous(server.port());
  anonymous.SetSourceAddress("127.0.0.8");
  anonymous.SetBearer("");
  int anonymous_limited = 0;
  for (int i = 0; i < 100 && anonymous_limited == 0; ++i) {
    if (anonymous.Get(std::string(kApi) + "/types").status == 429) ++anonymous_limited;
  }
  EXPECT_EQ(anonymous_limited, 1);
  EXPECT_NE(other.Get(std::string(kApi) + "/types").status, 429);
}

TEST(AuthServerTest, CliManagesTokensOnAStoppedServer) {
  TempDir data;
  std::string out;
  ASSERT_EQ(RunCli({"token", "create", "--data-dir", data.path().string(), "--role", "analyst",
                    "--tenant", "north", "--expires", "30d"},
                   out),
            0);
  auto at = out.find("token: ");
  ASSERT_NE(at, std::string::npos) << out;
  std::string token = out.substr(at + 7, out.find('\n', at) - at - 7);
  std::string id = token.substr(4, 16);
  ASSERT_EQ(RunCli({"token", "list", "--data-dir", data.path().string()}, out), 0);
  EXPECT_NE(out.find(id), std::string::npos);
  EXPECT_EQ(out.find(token.substr(21)), std::string::npos);
  {
    ServerProcess server(data.path());
    HttpClient client(server.port());
    client.SetBearer(token);
    EXPECT_EQ(client.Get(std::string(kApi) + "/types", {{"NGSILD-Tenant", "north"}}).status, 404);
    EXPECT_EQ(RunCli({"token", "list", "--data-dir", data.path().string()}, out), 1)
        << "the store is locked by the running server";
  }
  ASSERT_EQ(RunCli({"token", "revoke", "--data-dir", data.path().string(), id}, out), 0);
  EXPECT_EQ(
      RunCli({"token", "revoke", "--data-dir", data.path().string(), "ffffffffffffffff"}, out), 2);
  ServerProcess server(data.path());
  HttpClient client(server.port());
  client.SetBearer(token);
  EXPECT_EQ(client.Get(std::string(kApi) + "/types", {{"NGSILD-Tenant", "north"}}).status, 401);
}

TEST(AuthServerTest, InsecureModeNeedsNoTokenAndSaysSo) {
  TempDir data;
  const auto log = data.path() / "server.log";
  {
    ServerProcess server(data.path() / "db", {"--insecure-no-auth"}, "serve", log);
    HttpClient client(server.port());
    client.SetBearer("");
    EXPECT_EQ(client.Post(std::string(kApi) + "/entities", Lamp("urn:ngsi-ld:Lamp:1", "x")).status,
              201);
  }
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("INSECURE"), std::string::npos) << text;
}

// The server's own log at debug level never holds a credential, good or bad.
TEST(AuthServerTest, LogsNeverContainTokens) {
  TempDir data;
  const auto log = data.path() / "server.log";
  std::string token;
  const std::string bad = "cvt_0123456789abcdef_LOGLEAKLOGLEAKLOGLEAKLOGLEAKLOGLEAKLOGLEAKL";
  {
    ServerProcess server(data.path() / "db", {"--log-level", "debug"}, "serve", log);
    HttpClient admin(server.port());
    token = std::string(CreateToken(admin, {{"role", "operator"}, {"tenants", {"default"}}})
                            .at("token")
                            .as_string());
    HttpClient user(server.port());
    user.SetBearer(token);
    EXPECT_EQ(user.Post(std::string(kApi) + "/entities", Lamp("urn:ngsi-ld:Lamp:1", "x")).status,
              201);
    user.SetBearer(bad);
    EXPECT_EQ(user.Get(std::string(kApi) + "/types").status, 401);
    user.SetBearer("not-a-token-LOGLEAK");
    EXPECT_EQ(user.Get(std::string(kApi) + "/types").status, 401);
  }
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_FALSE(text.empty()) << "debug logging produced nothing to check";
  EXPECT_EQ(text.find(token.substr(21)), std::string::npos);
  EXPECT_EQ(text.find("LOGLEAK"), std::string::npos);
  EXPECT_EQ(text.find(kTestAdminToken), std::string::npos);
}

}  // namespace
}  // namespace civitas::testing
