// SYNCLINE_ASSERT / SYNCLINE_UNREACHABLE (issue 27 item 4): a kept invariant costs nothing, a
// broken one throws std::logic_error naming the condition, the reason and the place.
#include "common/assert.h"

#include <gtest/gtest.h>

namespace syncline {
namespace {

TEST(Assert, AKeptInvariantPassesABrokenOneSaysWhatAndWhereAPI002) {
  EXPECT_NO_THROW(SYNCLINE_ASSERT(1 + 1 == 2, "arithmetic"));
  try {
    SYNCLINE_ASSERT(1 + 1 == 3, "arithmetic");
    FAIL() << "no throw";
  } catch (const std::logic_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("arithmetic"), std::string::npos) << what;
    EXPECT_NE(what.find("1 + 1 == 3"), std::string::npos) << what;
    EXPECT_NE(what.find("assert_test.cpp:"), std::string::npos) << what;
  }
  EXPECT_THROW(SYNCLINE_UNREACHABLE("no input gets here"), std::logic_error);
}

}  // namespace
}  // namespace syncline
