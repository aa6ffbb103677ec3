// Network status (NET-001..010): request outcomes and probes flip online/offline, observers
// hear each change once, `verified` expires after twice the interval, latency classes.
#include "syncline/network_status.h"

#include <gtest/gtest.h>

#include <thread>

namespace syncline::client {

using namespace std::chrono_literals;

TEST(NetworkStatus, OutcomesAndProbesDriveOnlineNET001) {
  std::optional<NetworkStatus::Clock::duration> next = 50ms;
  NetworkStatus n([&] { return next; }, 100ms);
  std::vector<bool> heard;
  n.observe([&](bool online) { heard.push_back(online); });
  EXPECT_FALSE(n.online());
  EXPECT_FALSE(n.verified());
  n.probe_now();
  EXPECT_TRUE(n.online());
  EXPECT_TRUE(n.verified());
  EXPECT_EQ(n.latency(), Latency::kFast);
  n.report(true);  // no change: no second notification
  n.report(false);
  EXPECT_FALSE(n.online());
  next = std::nullopt;
  n.probe_now();
  EXPECT_FALSE(n.online());
  EXPECT_EQ(heard, (std::vector<bool>{true, false}));
}

// Time is the test's own clock: the expiry is decided by moving it, never by sleeping.
TEST(NetworkStatus, LatencyClassesAndVerifiedExpiryNET005) {
  std::optional<NetworkStatus::Clock::duration> next = 500ms;
  auto now = NetworkStatus::Clock::time_point(1h);
  NetworkStatus n([&] { return next; }, 20ms, [&] { return now; });
  n.probe_now();
  EXPECT_EQ(n.latency(), Latency::kSlow);
  next = 1500ms;
  n.probe_now();
  EXPECT_EQ(n.latency(), Latency::kPoor);
  EXPECT_TRUE(n.verified());
  now += 39ms;  // within 2 × interval of the last successful probe
  EXPECT_TRUE(n.verified());
  now += 2ms;
  EXPECT_FALSE(n.verified());
  next = std::nullopt;  // a failed probe does not verify again
  n.probe_now();
  EXPECT_FALSE(n.verified());
  next = 10ms;
  n.probe_now();
  EXPECT_TRUE(n.verified());
}

TEST(NetworkStatus, TheBackgroundProbeRunsUntilStoppedNET001) {
  std::atomic<int> probes{0};
  NetworkStatus n(
      [&]() -> std::optional<NetworkStatus::Clock::duration> {
        ++probes;
        return 1ms;
      },
      10ms);
  n.start();
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (probes < 3 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  n.stop();  // joins the thread: no probe can run after it returns
  const int seen = probes;
  EXPECT_GE(seen, 3);
  n.probe_now();  // only this one
  EXPECT_EQ(probes.load(), seen + 1);
  EXPECT_TRUE(n.online());
}

}  // namespace syncline::client
