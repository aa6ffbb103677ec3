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

TEST(NetworkStatus, LatencyClassesAndVerifiedExpiryNET005) {
  std::optional<NetworkStatus::Clock::duration> next = 500ms;
  NetworkStatus n([&] { return next; }, 20ms);
  n.probe_now();
  EXPECT_EQ(n.latency(), Latency::kSlow);
  next = 1500ms;
  n.probe_now();
  EXPECT_EQ(n.latency(), Latency::kPoor);
  EXPECT_TRUE(n.verified());
  std::this_thread::sleep_for(60ms);  // > 2 × interval without a successful probe
  EXPECT_FALSE(n.verified());
}

TEST(NetworkStatus, TheBackgroundProbeRunsUntilStopped) {
  std::atomic<int> probes{0};
  NetworkStatus n(
      [&]() -> std::optional<NetworkStatus::Clock::duration> {
        ++probes;
        return 1ms;
      },
      10ms);
  n.start();
  std::this_thread::sleep_for(100ms);
  n.stop();
  int seen = probes;
  EXPECT_GE(seen, 3);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(probes.load(), seen);
  EXPECT_TRUE(n.online());
}

}  // namespace syncline::client
