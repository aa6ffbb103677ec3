// Stream caps per holder (SEC-034, SEC-050): a session, a user and an address each have a cap,
// the user's and the address's as shares of the node's; a refusal counts nothing and a release
// gives the place back.
#include "stream/stream_holds.h"

#include <gtest/gtest.h>

namespace syncline::stream {

TEST(StreamHolds, UsersAndAddressesGetSharesOfTheNodesCapSEC050) {
  auto defaults = StreamCaps::of(16, 20'000);
  EXPECT_EQ(defaults.per_user, 2'500u);
  EXPECT_EQ(defaults.per_address, 5'000u);
  auto small = StreamCaps::of(16, 48);  // never below one session's cap, never above the node's
  EXPECT_EQ(small.per_user, 16u);
  EXPECT_EQ(small.per_address, 16u);
  EXPECT_EQ(StreamCaps::of(16, 8).per_user, 8u);
}

TEST(StreamHolds, EachHolderIsCappedAndARefusalCountsNothingSEC050) {
  const StreamCaps caps{2, 3, 4, 100};
  StreamHolds holds;
  using R = StreamHolds::Refusal;
  const StreamHolder a1{"s1", "alice", "10.0.0.1"}, a2{"s2", "alice", "10.0.0.1"},
      b{"s3", "bob", "10.0.0.1"}, c{"s4", "carol", "10.0.0.2"};
  EXPECT_EQ(holds.take(a1, caps), R::kNone);
  EXPECT_EQ(holds.take(a1, caps), R::kNone);
  EXPECT_EQ(holds.take(a1, caps), R::kSession);  // the session's 2
  EXPECT_EQ(holds.take(a2, caps), R::kNone);
  EXPECT_EQ(holds.take(a2, caps), R::kUser);  // alice's 3
  EXPECT_EQ(holds.take(b, caps), R::kNone);
  EXPECT_EQ(holds.take(b, caps), R::kAddress);  // 10.0.0.1's 4
  EXPECT_EQ(holds.take(c, caps), R::kNone) << "another address and user are not affected";
  holds.release(a1);
  EXPECT_EQ(holds.take(b, caps), R::kNone) << "a released place is free again";
  const StreamHolder b2{"s5", "bob", "10.0.0.1"};  // a new session of bob's, same address
  EXPECT_EQ(holds.take(b2, caps), R::kAddress);
}

}  // namespace syncline::stream
