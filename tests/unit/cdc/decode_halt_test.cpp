// When the CDC worker stops trying (issue 27 item 3, CDC-003): three sessions in a row failing
// on the message at the same WAL position halt it; another position or another kind of failure
// starts the count again.
#include <gtest/gtest.h>

#include "cdc/decode_halt.h"

namespace syncline::cdc {
namespace {

TEST(DecodeStrikes, ThreeFailuresAtOnePositionHaltCDC003) {
  DecodeStrikes s;
  EXPECT_FALSE(s.strike(100));
  EXPECT_FALSE(s.strike(100));
  EXPECT_TRUE(s.strike(100));
}

TEST(DecodeStrikes, AnotherPositionOrFailureStartsAgainCDC003) {
  DecodeStrikes s;
  EXPECT_FALSE(s.strike(100));
  EXPECT_FALSE(s.strike(100));
  EXPECT_FALSE(s.strike(200));  // the stream moved on: a new message is at fault
  EXPECT_FALSE(s.strike(200));
  s.clear();  // e.g. the database restarted in between
  EXPECT_FALSE(s.strike(200));
  EXPECT_FALSE(s.strike(200));
  EXPECT_TRUE(s.strike(200));
}

TEST(DecodeStrikes, TheErrorNamesItsPositionCDC003) {
  UndecodableMessage e(0x16B374D848ULL, "pgoutput: short Begin message");
  EXPECT_EQ(e.at(), 0x16B374D848ULL);
  EXPECT_STREQ(e.what(), "pgoutput: short Begin message at 16/B374D848");
}

}  // namespace
}  // namespace syncline::cdc
