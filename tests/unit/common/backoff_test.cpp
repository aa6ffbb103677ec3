// The one reconnect backoff (issue 27 item 6): doubling from the first delay to the cap, each
// delay within its jitter, back to the first after a reset.
#include "common/backoff.h"

#include <gtest/gtest.h>

namespace syncline {
namespace {

using ms = std::chrono::milliseconds;

TEST(Backoff, DoublesToItsCapWithinItsJitterAndResetsAB011) {
  Backoff b(ms(1000), ms(30'000), 0.2);
  const long expected[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000};
  for (long base : expected) {
    const auto d = b.next().count();
    EXPECT_GE(d, base * 8 / 10) << base;
    EXPECT_LE(d, base * 12 / 10) << base;
  }
  b.reset();
  EXPECT_LE(b.next().count(), 1200);
}

TEST(Backoff, WithoutJitterItIsExactAB011) {
  Backoff b(ms(100), ms(5000), 0.0);
  EXPECT_EQ(b.next(), ms(100));
  EXPECT_EQ(b.next(), ms(200));
  for (int i = 0; i < 10; ++i) b.next();
  EXPECT_EQ(b.next(), ms(5000));
}

}  // namespace
}  // namespace syncline
