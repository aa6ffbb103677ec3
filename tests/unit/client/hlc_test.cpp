// Client HLC (DATA-020..026, FE-MUT-001..003): ordering, same-millisecond counter, counter
// overflow, a clock going back, the receive rule, length ≤ 32, lexicographic = time order.
#include "syncline/hlc.h"

#include <gtest/gtest.h>

#include <set>

namespace syncline::client {

namespace {
struct FakeClock {
  std::int64_t now = 1764081234567;
  Hlc::Clock fn() {
    return [this] { return now; };
  }
};
}  // namespace

TEST(ClientHlc, SourceIdsAre12UrlSafeCharactersFEMUT001) {
  auto a = make_source_id(), b = make_source_id();
  EXPECT_EQ(a.size(), 12u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"),
            std::string::npos);
}

TEST(ClientHlc, FormatAndLengthCON2) {
  FakeClock clock;
  Hlc h("k3J9_aQ2mB7x", clock.fn());
  auto id = h.create_transaction_id();
  EXPECT_EQ(id, "1764081234567.0000.k3J9_aQ2mB7x");
  EXPECT_EQ(id.size(), 31u);
  EXPECT_LE(id.size(), 32u);
}

TEST(ClientHlc, SameMillisecondCountsAndNewMillisecondResetsDATA022) {
  FakeClock clock;
  Hlc h("node", clock.fn());
  EXPECT_EQ(h.create_transaction_id(), "1764081234567.0000.node");
  EXPECT_EQ(h.create_transaction_id(), "1764081234567.0001.node");
  clock.now += 5;
  EXPECT_EQ(h.create_transaction_id(), "1764081234572.0000.node");
}

TEST(ClientHlc, CounterOverflowBorrowsTheNextMillisecondDATA023) {
  FakeClock clock;
  Hlc h("node", clock.fn());
  std::string last;
  for (int i = 0; i < 10000; ++i) last = h.create_transaction_id();
  EXPECT_EQ(last, "1764081234567.9999.node");
  EXPECT_EQ(h.create_transaction_id(), "1764081234568.0000.node");
  clock.now += 1;  // the wall clock catches up with the borrowed millisecond
  EXPECT_EQ(h.create_transaction_id(), "1764081234568.0001.node");
}

TEST(ClientHlc, MonotonicWhenTheClockGoesBackDATA024) {
  FakeClock clock;
  Hlc h("node", clock.fn());
  auto before = h.create_transaction_id();
  clock.now -= 60'000;
  auto after = h.create_transaction_id();
  EXPECT_LT(compare_transaction_ids(before, after), 0);
  EXPECT_LT(before, after);
}

TEST(ClientHlc, ReceiveRuleMovesPastIdsFromTheFutureDATA025) {
  FakeClock clock;
  Hlc h("mine", clock.fn());
  h.receive("1764081299999.0042.other");
  auto next = h.create_transaction_id();
  EXPECT_EQ(next, "1764081299999.0043.mine");
  EXPECT_GT(compare_transaction_ids(next, "1764081299999.0042.other"), 0);
  h.receive("1700000000000.0000.old");  // the past changes nothing
  EXPECT_EQ(h.create_transaction_id(), "1764081299999.0044.mine");
  h.receive("garbage");
  EXPECT_EQ(h.create_transaction_id(), "1764081299999.0045.mine");
}

TEST(ClientHlc, LexicographicOrderEqualsCreationOrderDATA026) {
  FakeClock clock;
  Hlc h("node", clock.fn());
  std::vector<std::string> ids;
  for (int i = 0; i < 3000; ++i) {
    if (i % 7 == 0) clock.now += (i % 3 == 0) ? -3 : 2;  // jitter, including going back
    ids.push_back(h.create_transaction_id());
  }
  for (std::size_t i = 1; i < ids.size(); ++i) {
    ASSERT_LT(ids[i - 1], ids[i]);
    ASSERT_LT(compare_transaction_ids(ids[i - 1], ids[i]), 0);
  }
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
}

}  // namespace syncline::client
