// HLC transaction id parsing and ordering (DATA-020..026, CON-2).
#include "sync/hlc.h"

#include <gtest/gtest.h>

namespace syncline::sync {

TEST(Hlc, ParsesWellFormedIdsDATA020) {
  auto t = parse_transaction_id("1764081234567.0003.k3J9_aQ2mB7x");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->wall_ms, 1764081234567);
  EXPECT_EQ(t->logical, 3);
  EXPECT_EQ(t->node, "k3J9_aQ2mB7x");
  EXPECT_EQ(format_transaction_id(*t), "1764081234567.0003.k3J9_aQ2mB7x");
}

TEST(Hlc, RejectsMalformedIdsCON2) {
  for (const char* bad :
       {"", "abc", "1764081234567.0003.", "176408123456.0003.node", "1764081234567.003.node",
        "1764081234567-0003-node", "1764081234567.0003.node/x", "1764081234567.0003.nodeнет",
        "1764081234567.0003.abcdefghijklmn" /* 33 chars */, "x764081234567.0003.node"}) {
    EXPECT_FALSE(parse_transaction_id(bad)) << bad;
  }
  EXPECT_TRUE(parse_transaction_id("1764081234567.0003.abcdefghijklm"));  // exactly 32
}

TEST(Hlc, LexicographicOrderEqualsTimeOrderDATA024) {
  const char* ids[] = {"1764081234567.0000.b", "1764081234567.0001.a", "1764081234568.0000.a"};
  for (int i = 0; i + 1 < 3; ++i) {
    auto a = *parse_transaction_id(ids[i]), b = *parse_transaction_id(ids[i + 1]);
    EXPECT_LT(compare_transaction_ids(a, b), 0);
    EXPECT_LT(std::string(ids[i]), std::string(ids[i + 1]));
  }
}

}  // namespace syncline::sync
