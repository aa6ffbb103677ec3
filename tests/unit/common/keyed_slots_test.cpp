// Places per key with a cap per key and one in all (the password lane, connections per
// address: SEC-050): refusals hold nothing, a destroyed ticket gives its place back.
#include "common/keyed_slots.h"

#include <gtest/gtest.h>

#include <vector>

namespace syncline {

TEST(KeyedSlots, EachKeyHasItsShareAndAllTogetherTheTotalSEC050) {
  KeyedSlots slots(2, 3);
  std::vector<KeyedSlots::Ticket> held;
  for (const char* key : {"a", "a"}) {
    auto t = slots.try_enter(key);
    ASSERT_TRUE(t);
    held.push_back(std::move(*t));
  }
  EXPECT_FALSE(slots.try_enter("a")) << "a's share";
  auto b = slots.try_enter("b");
  ASSERT_TRUE(b);
  EXPECT_FALSE(slots.try_enter("c")) << "the total";
  held.pop_back();  // one of a's places comes back
  EXPECT_TRUE(slots.try_enter("c"));
  {
    auto again = slots.try_enter("a");
    EXPECT_TRUE(again);
  }  // and goes again
  EXPECT_TRUE(slots.try_enter("a"));
}

}  // namespace syncline
