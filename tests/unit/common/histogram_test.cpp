// The /metrics histogram (issue 16 item 6): cumulative buckets, sum and count in Prometheus form.
#include "common/histogram.h"

#include <gtest/gtest.h>

namespace syncline {
namespace {

TEST(Histogram, CumulativeBucketsSumAndCountPERF002) {
  Histogram h;
  h.observe(0.0003);  // ≤ 0.5 ms
  h.observe(0.002);   // ≤ 2.5 ms
  h.observe(0.002);
  h.observe(30);  // over every bound: +Inf only
  h.observe(-1);  // a clock step back counts as 0
  std::string out;
  h.render(out, "x_seconds", "test");
  EXPECT_NE(out.find("# TYPE x_seconds histogram\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_bucket{le=\"0.0005\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_bucket{le=\"0.001\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_bucket{le=\"0.0025\"} 4\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_bucket{le=\"10\"} 4\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_bucket{le=\"+Inf\"} 5\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_count 5\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_sum 30.0043\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace syncline
