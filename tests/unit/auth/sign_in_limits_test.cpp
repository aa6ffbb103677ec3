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
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(l.admit_address("10.0.0.1", t)) << i;
  auto refused = l.admit_address("10.0.0.1", t);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kRateLimited);
  EXPECT_GE(refused.error().retry_after, 1);
  EXPECT_TRUE(l.admit_address("10.0.0.2", t));  // another address is not affected
  EXPECT_TRUE(l.admit_address("10.0.0.1", t + 1s));
  EXPECT_FALSE(l.admit_address("10.0.0.1", t + 1s));
}

// The account's record comes from Postgres (auth/sign_in_backoff.h); the rule is pure.
TEST(SignInLimits, FailuresOnAnAccountBackOffExponentiallySEC043) {
  auto t = Clock::time_point{} + 1000h;
  auto after = [&](int failures, Clock::time_point last) {
    AccountRecord a;
    a.failures = failures;
    a.last_failure = last;
    return a;
  };
  // Three failures are free; then each attempt waits 1 s, 2 s, 4 s, … after the last failure.
  EXPECT_TRUE(SignInLimits::admit_account(after(2, t), "10.0.0.2", t));
  // The last failure is read back from the database's clock, so it can seem a little ahead of
  // ours (by the read's own duration): a free failure never makes anyone wait for that.
  EXPECT_TRUE(SignInLimits::admit_account(after(2, t + 200ms), "10.0.0.2", t));
  auto r = SignInLimits::admit_account(after(3, t), "10.0.0.2", t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().retry_after, 1);
  EXPECT_TRUE(SignInLimits::admit_account(after(3, t), "10.0.0.2", t + 1s));
  EXPECT_EQ(SignInLimits::admit_account(after(4, t), "10.0.0.3", t + 1s).error().retry_after, 1);
  EXPECT_TRUE(SignInLimits::admit_account(after(4, t), "10.0.0.3", t + 2s));
  EXPECT_FALSE(SignInLimits::admit_account(after(5, t), "10.0.0.3", t + 3s));
  EXPECT_TRUE(SignInLimits::admit_account(after(5, t), "10.0.0.3", t + 4s));
  // Up to the cap.
  EXPECT_EQ(SignInLimits::admit_account(after(40, t), "10.0.0.5", t).error().retry_after, 900);
  // A fresh account (no failure yet) is not held.
  EXPECT_TRUE(SignInLimits::admit_account(AccountRecord{}, "10.0.0.5", t));
}

TEST(SignInLimits, TheOwnerIsNotLockedOutFromAnAddressItUsedSEC043) {
  auto t = Clock::time_point{} + 1000h;
  AccountRecord owner;
  owner.failures = 10;
  owner.last_failure = t;
  owner.known = {"10.0.0.9"};
  EXPECT_FALSE(SignInLimits::admit_account(owner, "10.6.6.6", t));
  EXPECT_TRUE(SignInLimits::admit_account(owner, "10.0.0.9", t));
}

// The order is made by the gate's own queue (waiting()), never by sleeping (issue 27 item 4).
TEST(HashGate, AFloodFromOneAddressDoesNotKeepAnotherOutSEC041) {
  HashGate gate;
  const auto queued = [&](std::size_t n) {
    for (auto until = std::chrono::steady_clock::now() + 10s;
         gate.waiting() != n && std::chrono::steady_clock::now() < until;)
      std::this_thread::yield();
    return gate.waiting() == n;
  };
  std::atomic<int> order{0};
  std::atomic<int> other_admitted_at{-1};
  std::atomic<int> refused{0};
  std::atomic<bool> release{false};
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
        while (!release) std::this_thread::yield();  // holds its turn: no one else gets in
      } else {
        EXPECT_EQ(t.error().kind, ErrorKind::kRateLimited);
        ++refused;
      }
    });
  EXPECT_TRUE(queued(4));  // the flood's waiters are queued first (threads are joined below)
  for (auto until = std::chrono::steady_clock::now() + 10s;
       refused < 4 && std::chrono::steady_clock::now() < until;)
    std::this_thread::yield();  // and the rest of the flood was turned away
  threads.emplace_back([&] {
    auto t = gate.take("legit");
    EXPECT_TRUE(t);
    other_admitted_at = order.load();
  });
  EXPECT_TRUE(queued(5));
  a.reset();  // the two freed turns go round-robin: the flood's first waiter, then the other
  b.reset();
  for (auto until = std::chrono::steady_clock::now() + 10s;
       other_admitted_at < 0 && std::chrono::steady_clock::now() < until;)
    std::this_thread::yield();
  release = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(refused.load(), 4);  // at most 4 wait per address
  // The other address got the second freed slot at the latest, not after the whole flood.
  EXPECT_GE(other_admitted_at.load(), 0);
  EXPECT_LE(other_admitted_at.load(), 1);
}

}  // namespace syncline::auth
