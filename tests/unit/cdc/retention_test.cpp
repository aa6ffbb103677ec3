// --activity-retention (DESIGN §18, DATA-SCALE-004): an age or a count, nothing else.
#include "cdc/retention.h"

#include <gtest/gtest.h>

namespace syncline::cdc {
namespace {

TEST(Retention, AnAgeOrACountDATASCALE004) {
  EXPECT_FALSE(parse_retention("")->enabled());  // keep everything
  EXPECT_EQ(parse_retention("30d")->age, std::chrono::seconds(30 * 86400));
  EXPECT_EQ(parse_retention("12h")->age, std::chrono::seconds(12 * 3600));
  EXPECT_EQ(parse_retention("90m")->age, std::chrono::seconds(90 * 60));
  EXPECT_EQ(parse_retention("3600s")->age, std::chrono::seconds(3600));
  EXPECT_EQ(parse_retention("200000")->count, 200000);
  EXPECT_FALSE(parse_retention("200000")->age);
  for (const char* bad :
       {"0", "-5", "d", "30w", "30 d", "1.5d", "9223372036854775807d", "x30d", "30dd"})
    EXPECT_FALSE(parse_retention(bad)) << bad;
}

}  // namespace
}  // namespace syncline::cdc
