// --activity-retention (DESIGN §18, DATA-SCALE-004): an age or a count, nothing else; the
// log's partition width it asks for.
#include "cdc/retention.h"

#include <gtest/gtest.h>

#include "cdc/log_partitions.h"

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

// The log is dropped a partition at a time: a counted retention keeps at most 1/8 more rows.
TEST(Retention, PartitionsAreAnEighthOfACountedRetentionDATASCALE004) {
  EXPECT_EQ(partition_width(*parse_retention("200000")), 25'000);
  EXPECT_EQ(partition_width(*parse_retention("800")), 100);
  EXPECT_EQ(partition_width(*parse_retention("3")), 64);  // never a partition per row
  EXPECT_EQ(partition_width(*parse_retention("100000000")), 1'000'000);
  EXPECT_EQ(partition_width(*parse_retention("30d")), 1'000'000);
  EXPECT_EQ(partition_width(*parse_retention("")), 1'000'000);
}

}  // namespace
}  // namespace syncline::cdc
