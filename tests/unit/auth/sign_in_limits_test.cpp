// SEC-041..045: sign-in limits per address and per account, and fair argon2id admission.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "auth/hash_gate.h"
#include "auth/sign_in_limits.h"

namespace syncline::auth {

using namespace std::chrono_literals;
using Clock = SignInLimits::Clock;

TEST(SignInLimits, AnAddressHasABucketThatRefillsSEC042) {
  SignInLimits l;
  auto t = Clock::time_point{} + 1000h;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(l.admit("10.0.0.1", "a" + std::to_string(i), t)) << i;
  auto refused = l.admit("10.0.0.1", "b", t);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kRateLimited);
  EXPECT_GE(refused.error().retry_after, 1);
  EXPECT_TRUE(l.admit("10.0.0.2", "b", t));  // another address is not affected
  EXPECT_TRUE(l.admit("10.0.0.1", "b", t + 1s));
  EXPECT_FALSE(l.admit("10.0.0.1", "b", t + 1s));
}

TEST(SignInLimits, FailuresOnAnAccountBackOffExponentiallySEC043) {
  SignInLimits l;
  auto t = Clock::time_point{} + 1000h;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(l.admit("10.0.0.1", "victim", t));
    l.record("10.0.0.1", "victim", false, t);
  }
  // Three failures are free; then each attempt waits 1 s, 2 s, 4 s, … after the last failure,
  // from anywhere new.
  auto r = l.admit("10.0.0.2", "victim", t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().retry_after, 1);
  ASSERT_TRUE(l.admit("10.0.0.2", "victim", t + 1s));
  l.record("10.0.0.2", "victim", false, t + 1s);
  r = l.admit("10.0.0.3", "victim", t + 2s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().retry_after, 1);
  EXPECT_TRUE(l.admit("10.0.0.3", "victim", t + 3s));
  l.record("10.0.0.3", "victim", false, t + 3s);
  EXPECT_FALSE(l.admit("10.0.0.3", "victim", t + 6s));
  EXPECT_TRUE(l.admit("10.0.0.3", "victim", t + 7s));
  // Other accounts are not affected.
  EXPECT_TRUE(l.admit("10.0.0.3", "other", t + 7s));
  // Up to the cap.
  for (int i = 0; i < 30; ++i) l.record("10.0.0.4", "victim", false, t + 7s);
  auto capped = l.admit("10.0.0.5", "victim", t + 7s);
  ASSERT_FALSE(capped);
  EXPECT_EQ(capped.error().retry_after, 900);
}

TEST(SignInLimits, TheOwnerIsNotLockedOutFromAnAddressItUsedSEC043) {
  SignInLimits l;
  auto t = Clock::time_point{} + 1000h;
  ASSERT_TRUE(l.admit("10.0.0.9", "owner", t));
  l.record("10.0.0.9", "owner", true, t);
  for (int i = 0; i < 10; ++i) l.record("10.6.6.6", "owner", false, t);
  EXPECT_FALSE(l.admit("10.6.6.6", "owner", t));
  EXPECT_TRUE(l.admit("10.0.0.9", "owner", t));
  // The owner's own typos do not count against the account.
  l.record("10.0.0.9", "owner2", true, t);
  for (int i = 0; i < 10; ++i) l.record("10.0.0.9", "owner2", false, t);
  EXPECT_TRUE(l.admit("10.7.7.7", "owner2", t));
}

TEST(HashGate, AFloodFromOneAddressDoesNotKeepAnotherOutSEC041) {
  HashGate gate;
  std::atomic<int> order{0};
  std::atomic<int> other_admitted_at{-1};
  std::atomic<int> refused{0};
  // Two turns held, so everyone else waits.
  std::optional<HashGate::Turn> a, b;
  a.emplace(std::move(*gate.take("flood")));
  b.emplace(std::move(*gate.take("flood")));
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto t = gate.take("flood");
      if (t) {
        ++order;
        std::this_thread::sleep_for(20ms);
      } else {
        EXPECT_EQ(t.error().kind, ErrorKind::kRateLimited);
        ++refused;
      }
    });
  std::this_thread::sleep_for(100ms);  // the flood's waiters are queued first
  threads.emplace_back([&] {
    auto t = gate.take("legit");
    EXPECT_TRUE(t);
    other_admitted_at = order.load();
  });
  std::this_thread::sleep_for(50ms);
  a.reset();
  b.reset();
  for (auto& t : threads) t.join();
  EXPECT_EQ(refused.load(), 4);  // at most 4 wait per address
  // The other address got the second freed slot at the latest, not after the whole flood.
  EXPECT_GE(other_admitted_at.load(), 0);
  EXPECT_LE(other_admitted_at.load(), 1);
}

}  // namespace syncline::auth
