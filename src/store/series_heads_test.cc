#include "src/store/series_heads.h"

#include <gtest/gtest.h>

namespace civitas::store {
namespace {

// Truncation may drop log records below OldestPending: it must stay at the oldest number a
// mutation still holds, whatever order mutations finish in.
TEST(HeadLogSequenceTest, OldestPendingIsTheOldestNumberStillHeld) {
  HeadLogSequence sequence;
  sequence.StartAt(100);
  EXPECT_EQ(sequence.OldestPending(), 100u);
  const uint64_t a = sequence.Take();
  const uint64_t b = sequence.Take();
  const uint64_t c = sequence.Take();
  EXPECT_EQ(a, 100u);
  EXPECT_EQ(b, 101u);
  EXPECT_EQ(c, 102u);
  EXPECT_EQ(sequence.next(), 103u);
  EXPECT_EQ(sequence.OldestPending(), a);
  sequence.Done(b);  // finishing out of order keeps the older one pending
  EXPECT_EQ(sequence.OldestPending(), a);
  sequence.Done(a);
  EXPECT_EQ(sequence.OldestPending(), c);
  sequence.Done(c);
  EXPECT_EQ(sequence.OldestPending(), 103u);
}

}  // namespace
}  // namespace civitas::store
