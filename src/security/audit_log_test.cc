#include "civitas/security/audit_log.h"

#include <gtest/gtest.h>

#include "src/security/test_support.h"

namespace civitas::security {
namespace {

TEST(AuditLogTest, EventsComeBackInTimeOrderWithinBounds) {
  ManualClock clock;
  TempStore db;
  AuditLog log(db.store(), clock);
  const Timestamp start = clock.Now();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(log.Append({.kind = "write",
                            .principal = "p" + std::to_string(i),
                            .action = "POST /x",
                            .outcome = 201})
                    .ok());
    clock.Advance(std::chrono::seconds(10));
  }
  auto all = log.Read({});
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].principal, "p0");
  EXPECT_EQ(all[4].principal, "p4");
  EXPECT_EQ(all[2].time, start + std::chrono::seconds(20));
  EXPECT_EQ(all[2].outcome, 201);
  auto window =
      log.Read({.from = start + std::chrono::seconds(10), .to = start + std::chrono::seconds(30)});
  ASSERT_EQ(window.size(), 2u);
  EXPECT_EQ(window[0].principal, "p1");
  EXPECT_EQ(window[1].principal, "p2");
  EXPECT_EQ(log.Read({.limit = 3}).size(), 3u);
}

TEST(AuditLogTest, SurvivesReopen) {
  ManualClock clock;
  TempStore db;
  {
    AuditLog log(db.store(), clock);
    ASSERT_TRUE(log.Append({.kind = "token_create", .principal = "admin-env"}).ok());
  }
  db.Reopen();
  AuditLog log(db.store(), clock);
  auto events = log.Read({});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "token_create");
}

}  // namespace
}  // namespace civitas::security
