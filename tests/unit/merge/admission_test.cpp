// The merge pool (DESIGN §21, COLLAB): one merge per org at a time, at most `slots` at once, a
// merge that gets no slot before its deadline is refused. No outcome here waits on a timer:
// deadlines are either already past (answered at once) or far (freed by the test itself).
#include "merge/admission.h"

#include <gtest/gtest.h>

#include <future>

namespace syncline::merge {
namespace {

using namespace std::chrono_literals;
using Clock = Admission::Clock;

TEST(MergeAdmission, OneMergePerOrgAtATimeCOLLAB) {
  Admission pool(4);
  auto first = pool.admit("org-a", Clock::now());
  ASSERT_TRUE(first);
  EXPECT_FALSE(pool.admit("org-a", Clock::now()));  // its own org waits, past deadline: no
  EXPECT_TRUE(pool.admit("org-b", Clock::now()));   // another tenant is not held up
  EXPECT_EQ(pool.busy(), 1);                        // org-b's slot went with its scope
}

TEST(MergeAdmission, ThePoolIsBoundedAcrossOrgsCOLLAB) {
  Admission pool(2);
  auto a = pool.admit("a", Clock::now());
  auto b = pool.admit("b", Clock::now());
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(pool.admit("c", Clock::now()));
  b.reset();
  EXPECT_TRUE(pool.admit("c", Clock::now()));
}

TEST(MergeAdmission, AWaiterGetsTheSlotWhenItIsFreedCOLLAB) {
  Admission pool(2);
  auto held = pool.admit("org", Clock::now());
  ASSERT_TRUE(held);
  auto waiter = std::async(std::launch::async,
                           [&] { return pool.admit("org", Clock::now() + 60s).has_value(); });
  EXPECT_EQ(waiter.wait_for(0ms), std::future_status::timeout);
  held.reset();  // freed: the waiter takes it well before its deadline
  EXPECT_TRUE(waiter.get());
  EXPECT_EQ(pool.busy(), 0);
}

}  // namespace
}  // namespace syncline::merge
