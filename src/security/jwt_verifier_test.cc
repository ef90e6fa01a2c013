#include "civitas/security/jwt_verifier.h"

#include <gtest/gtest.h>

#include "src/security/jwt_test_keys.h"

namespace civitas::security {
namespace {

using testing::MakeJwt;
using testing::TestKey;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef-hs256";
const Timestamp kNow = Timestamp(std::chrono::seconds(1'750'000'000));

std::string Claims(std::string extra = "", int64_t exp = 1'750'000'600) {
  return R"({"sub":"alice","iss":"https://idp.example","aud":["civitas"],"exp":)" +
         std::to_string(exp) + R"(,"roles":["analyst"],"tenants":["north"])" + extra + "}";
}

class JwtVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new TestKey(true);
    ec_ = new TestKey(false);
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ec_;
  }
  std::unique_ptr<JwtVerifier> Make(JwtOptions options) {
    options.issuer = "https://idp.example";
    options.audience = "civitas";
    auto v = JwtVerifier::Create(std::move(options));
    EXPECT_TRUE(v.ok()) << v.status().message();
    return v.ok() ? std::move(v).value() : nullptr;
  }
  static TestKey* rsa_;
  static TestKey* ec_;
};
TestKey* JwtVerifierTest::rsa_ = nullptr;
TestKey* JwtVerifierTest::ec_ = nullptr;

TEST_F(JwtVerifierTest, Hs256TokenYieldsItsClaims) {
  auto v = Make({.hs256_secret = std::string(kSecret)});
  auto who = v->Verify(MakeJwt("HS256", Claims(), nullptr, kSecret), kNow);
  ASSERT_TRUE(who.ok()) << who.status().message();
  EXPECT_EQ(who->id, "jwt:alice");
  EXPECT_EQ(who->role, Role::kAnalyst);
  EXPECT_TRUE(who->Has(Permission::kReadHistory));
  EXPECT_EQ(who->tenants, std::vector<std::string>{"north"});
  EXPECT_FALSE(
      v->Verify(MakeJwt("HS256", Claims(), nullptr, "another-secret-of-32-bytes-xxxxx"), kNow)
          .ok());
}

TEST_F(JwtVerifierTest, Rs256AndEs256WithPemKeys) {
  auto rsa = Make({.public_key_pem = rsa_->PublicPem()});
  auto ec = Make({.public_key_pem = ec_->PublicPem()});
  EXPECT_TRUE(rsa->Verify(MakeJwt("RS256", Claims(), rsa_), kNow).ok());
  EXPECT_TRUE(ec->Verify(MakeJwt("ES256", Claims(), ec_), kNow).ok());
  // The wrong kind of key, or a signature by another key, fails.
  EXPECT_FALSE(rsa->Verify(MakeJwt("ES256", Claims(), ec_), kNow).ok());
  TestKey other(false);
  EXPECT_FALSE(ec->Verify(MakeJwt("ES256", Claims(), &other), kNow).ok());
}

TEST_F(JwtVerifierTest, JwksKeysAreChosenByKid) {
  std::string jwks = R"({"keys":[)" + rsa_->Jwk("r1") + "," + ec_->Jwk("e1") + "]}";
  auto v = Make({.jwks = jwks});
  EXPECT_TRUE(v->Verify(MakeJwt("RS256", Claims(), rsa_, {}, "r1"), kNow).ok());
  EXPECT_TRUE(v->Verify(MakeJwt("ES256", Claims(), ec_, {}, "e1"), kNow).ok());
  EXPECT_FALSE(v->Verify(MakeJwt("RS256", Claims(), rsa_, {}, "e1"), kNow).ok());
}

TEST_F(JwtVerifierTest, AlgorithmConfusionAndNoneAreRefused) {
  auto v = Make({.public_key_pem = rsa_->PublicPem()});
  // HS256 "signed" with the public key as secret must not pass when HS256 is not configured.
  EXPECT_FALSE(v->Verify(MakeJwt("HS256", Claims(), nullptr, rsa_->PublicPem()), kNow).ok());
  std::string none = testing::B64(R"({"alg":"none"})") + "." + testing::B64(Claims()) + ".";
  EXPECT_FALSE(v->Verify(none, kNow).ok());
}

TEST_F(JwtVerifierTest, ClaimsAreChecked) {
  auto v = Make({.hs256_secret = std::string(kSecret)});
  auto check = [&](const std::string& claims) {
    return v->Verify(MakeJwt("HS256", claims, nullptr, kSecret), kNow).status().message();
  };
  EXPECT_EQ(check(Claims("", 1'749'999'000)), "JWT has expired");
  EXPECT_EQ(check(Claims(R"(,"nbf":1750001000)")), "JWT is not valid yet (nbf)");
  EXPECT_EQ(check(R"({"sub":"a","iss":"evil","aud":"civitas","exp":1750000600,"roles":["admin"],)"
                  R"("tenants":["*"]})"),
            "JWT issuer does not match");
  EXPECT_EQ(check(R"({"sub":"a","iss":"https://idp.example","aud":"other","exp":1750000600,)"
                  R"("roles":["admin"],"tenants":["*"]})"),
            "JWT audience does not match");
  EXPECT_EQ(check(R"({"sub":"a","iss":"https://idp.example","aud":"civitas","exp":1750000600,)"
                  R"("roles":["root"],"tenants":["*"]})"),
            "JWT names no known role ('roles' or 'role')");
  EXPECT_EQ(check(R"({"sub":"a","iss":"https://idp.example","aud":"civitas","exp":1750000600,)"
                  R"("role":"operator"})"),
            "JWT has no 'tenants' claim");
}

TEST_F(JwtVerifierTest, CachedTokenStillExpires) {
  auto v = Make({.hs256_secret = std::string(kSecret)});
  std::string token = MakeJwt("HS256", Claims(), nullptr, kSecret);
  EXPECT_TRUE(v->Verify(token, kNow).ok());
  EXPECT_TRUE(v->Verify(token, kNow).ok());
  EXPECT_FALSE(v->Verify(token, kNow + std::chrono::hours(1)).ok());
}

TEST(JwtOptionsTest, BadKeysAreRefusedAtStart) {
  EXPECT_FALSE(JwtVerifier::Create({}).ok());
  EXPECT_FALSE(JwtVerifier::Create({.public_key_pem = "not a key"}).ok());
  EXPECT_FALSE(JwtVerifier::Create({.jwks = R"({"keys":[{"kty":"oct"}]})"}).ok());
  EXPECT_FALSE(JwtVerifier::Create({.jwks = "[]"}).ok());
}

}  // namespace
}  // namespace civitas::security
