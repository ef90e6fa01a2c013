#include "civitas/security/token_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "src/security/test_support.h"

namespace civitas::security {
namespace {

class TokenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    tokens_.reset();
    auto opened = TokenStore::Open(db_.store(), db_.dir() / "token.key", clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    tokens_ = std::move(opened).value();
  }
  TokenSpec Spec(Role role, std::vector<std::string> tenants) {
    TokenSpec spec;
    spec.role = role;
    spec.tenants = std::move(tenants);
    return spec;
  }

  ManualClock clock_;
  TempStore db_;
  std::unique_ptr<TokenStore> tokens_;
};

TEST_F(TokenStoreTest, IssuedTokenVerifiesToItsPrincipal) {
  auto issued = tokens_->Create(Spec(Role::kOperator, {"north"}));
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->token.substr(0, 4), "cvt_");
  EXPECT_EQ(issued->token.size(), 4 + 16 + 1 + 43u);
  auto who = tokens_->Verify(issued->token);
  ASSERT_TRUE(who.ok()) << who.status().message();
  EXPECT_EQ(who->id, issued->id);
  EXPECT_EQ(who->role, Role::kOperator);
  EXPECT_TRUE(who->Has(Permission::kCommands));
  EXPECT_EQ(who->tenants, std::vector<std::string>{"north"});
}

TEST_F(TokenStoreTest, TamperedOrUnknownTokensAreRefused) {
  auto issued = tokens_->Create(Spec(Role::kAnalyst, {"a"}));
  ASSERT_TRUE(issued.ok());
  std::string tampered = issued->token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(tokens_->Verify(tampered).status().code(), StatusCode::kUnauthenticated);
  std::string other_id = issued->token;
  other_id[4] = other_id[4] == '0' ? '1' : '0';
  EXPECT_EQ(tokens_->Verify(other_id).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(tokens_->Verify("cvt_").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(tokens_->Verify("").status().code(), StatusCode::kUnauthenticated);
}

TEST_F(TokenStoreTest, SecretNeverReachesTheStore) {
  auto issued = tokens_->Create(Spec(Role::kAdmin, {"*"}));
  ASSERT_TRUE(issued.ok());
  std::string secret = issued->token.substr(4 + 16 + 1);
  for (const auto& [key, value] : db_.store().ScanMeta("")) {
    EXPECT_EQ(value.find(secret), std::string::npos) << key;
    EXPECT_EQ(value.find(issued->token), std::string::npos) << key;
  }
  struct stat st {};
  ASSERT_EQ(stat((db_.dir() / "token.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(TokenStoreTest, RevokedAndExpiredTokensStopWorking) {
  auto spec = Spec(Role::kDevice, {"a"});
  spec.entities = {"urn:x:*"};
  spec.expires = clock_.Now() + std::chrono::hours(1);
  auto expiring = tokens_->Create(spec);
  auto revoked = tokens_->Create(Spec(Role::kPartner, {"b"}));
  ASSERT_TRUE(expiring.ok() && revoked.ok());
  EXPECT_TRUE(tokens_->Verify(expiring->token).ok());
  ASSERT_TRUE(tokens_->Revoke(revoked->id).ok());
  EXPECT_EQ(tokens_->Verify(revoked->token).status().message(), "the API key was revoked");
  clock_.Advance(std::chrono::hours(1));
  EXPECT_EQ(tokens_->Verify(expiring->token).status().message(), "the API key has expired");
  EXPECT_EQ(tokens_->Revoke("0000000000000000").code(), StatusCode::kNotFound);
}

TEST_F(TokenStoreTest, TokensSurviveReopen) {
  auto spec = Spec(Role::kDevice, {"a", "b"});
  spec.entities = {"urn:x:1"};
  auto kept = tokens_->Create(spec);
  auto gone = tokens_->Create(Spec(Role::kCitizen, {"a"}));
  ASSERT_TRUE(kept.ok() && gone.ok());
  ASSERT_TRUE(tokens_->Revoke(gone->id).ok());
  tokens_.reset();
  db_.Reopen();
  Open();
  auto who = tokens_->Verify(kept->token);
  ASSERT_TRUE(who.ok()) << who.status().message();
  EXPECT_EQ(who->entities, std::vector<std::string>{"urn:x:1"});
  EXPECT_FALSE(tokens_->Verify(gone->token).ok());
  auto listed = tokens_->List();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id < listed[1].id, true);
}

TEST(TokenSpecTest, ParsesABody) {
  ManualClock clock;
  auto spec = ParseTokenSpec(R"({"role":"device","tenants":["a"],"entities":["urn:x:*"],
                                 "expires":"30d"})",
                             clock.Now());
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->role, Role::kDevice);
  EXPECT_EQ(*spec->expires, clock.Now() + std::chrono::hours(24 * 30));
}

TEST(TokenSpecTest, RefusesBadBodies) {
  ManualClock clock;
  for (const char* body :
       {"", "[]", "{}", R"({"role":"root","tenants":["a"]})", R"({"role":"admin"})",
        R"({"role":"admin","tenants":[]})", R"({"role":"admin","tenants":["a b"]})",
        R"({"role":"device","tenants":["a"]})", R"({"role":"public","tenants":["a"]})",
        R"({"role":"admin","tenants":["a"],"expires":"-1d"})",
        R"({"role":"admin","tenants":["a"],"expires":"2001-01-01T00:00:00Z"})",
        R"({"role":"admin","tenants":["a"],"extra":1})"}) {
    EXPECT_FALSE(ParseTokenSpec(body, clock.Now()).ok()) << body;
  }
}

TEST(TokenSpecTest, ExpiryForms) {
  ManualClock clock;
  EXPECT_EQ(*ParseExpiry("12h", clock.Now()), clock.Now() + std::chrono::hours(12));
  EXPECT_EQ(*ParseExpiry("90m", clock.Now()), clock.Now() + std::chrono::minutes(90));
  EXPECT_EQ(*ParseExpiry("5s", clock.Now()), clock.Now() + std::chrono::seconds(5));
  EXPECT_TRUE(ParseExpiry("2099-01-01T00:00:00Z", clock.Now()).ok());
  for (const char* bad : {"0d", "d", "1y", "99999999999d", "1.5h", "soon"}) {
    EXPECT_FALSE(ParseExpiry(bad, clock.Now()).ok()) << bad;
  }
}

}  // namespace
}  // namespace civitas::security
