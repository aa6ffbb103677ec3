// SEC-020..023, STREAM-040..043: the worker decides "every reader sees this source transaction"
// from pg_current_snapshot() and the xid of Begin (32 bits), across xid epochs.
#include <gtest/gtest.h>

#include "cdc/visibility.h"

namespace syncline::cdc {

TEST(Visibility, ParsesSnapshotTextSEC020) {
  auto s = parse_snapshot("100:105:100,102");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->xmin, 100u);
  EXPECT_EQ(s->xmax, 105u);
  EXPECT_EQ(s->in_progress, (std::vector<std::uint64_t>{100, 102}));
  auto empty = parse_snapshot("7:7:");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->in_progress.empty());
  for (const char* bad : {"", "1", "1:2", "x:2:", "3:2:", "1:2:a", "1:2:3,", "1:2:,3"})
    EXPECT_FALSE(parse_snapshot(bad)) << bad;
}

TEST(Visibility, WidensXidsAcrossEpochsSEC021) {
  constexpr std::uint64_t kEpoch = 1ull << 32;
  EXPECT_EQ(widen_xid(100, 105), 100u);
  EXPECT_EQ(widen_xid(110, 105), 110u);  // ahead of the snapshot: not yet completed
  // Reference just after a wraparound; the xid from just before it is in the previous epoch.
  EXPECT_EQ(widen_xid(0xFFFFFFF0u, 3 * kEpoch + 5), 2 * kEpoch + 0xFFFFFFF0u);
  // Reference just before a wraparound; a slightly newer xid is in the next epoch.
  EXPECT_EQ(widen_xid(3, 2 * kEpoch + 0xFFFFFFF0u), 3 * kEpoch + 3);
  // Never below zero in the first epoch.
  EXPECT_EQ(widen_xid(0xFFFFFFF0u, 5), 0xFFFFFFF0u);
}

TEST(Visibility, CommittedButStillRunningIsInvisibleSEC022) {
  auto s = *parse_snapshot("100:105:100,102");
  EXPECT_TRUE(is_visible(s, 99));    // below xmin
  EXPECT_TRUE(is_visible(s, 101));   // completed between xmin and xmax
  EXPECT_FALSE(is_visible(s, 100));  // in progress for this snapshot
  EXPECT_FALSE(is_visible(s, 102));
  EXPECT_FALSE(is_visible(s, 105));  // xmax: not completed when the snapshot was taken
  EXPECT_FALSE(is_visible(s, 106));
  constexpr std::uint64_t kEpoch = 1ull << 32;
  auto wrapped = *parse_snapshot(std::to_string(kEpoch + 2) + ":" + std::to_string(kEpoch + 4) +
                                 ":" + std::to_string(kEpoch + 3));
  EXPECT_TRUE(is_visible(wrapped, 0xFFFFFFFEu));  // previous epoch
  EXPECT_TRUE(is_visible(wrapped, 2));
  EXPECT_FALSE(is_visible(wrapped, 3));
  EXPECT_FALSE(is_visible(wrapped, 4));
}

}  // namespace syncline::cdc
