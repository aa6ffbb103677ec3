// SEC-044: addresses and CIDR ranges for --trusted-proxy.
#include <gtest/gtest.h>

#include "common/net.h"

namespace syncline {

TEST(Net, LimitsCountIpv6ByItsSlash64SEC041) {
  EXPECT_EQ(limit_key(*parse_ip("10.1.2.3")), "10.1.2.3");
  EXPECT_EQ(limit_key(*parse_ip("::ffff:10.1.2.3")), "10.1.2.3");
  EXPECT_EQ(limit_key(*parse_ip("2001:db8:1:2::1")), "2001:db8:1:2::/64");
  EXPECT_EQ(limit_key(*parse_ip("2001:db8:1:2:ffff:ffff:ffff:ffff")), "2001:db8:1:2::/64");
  EXPECT_NE(limit_key(*parse_ip("2001:db8:1:3::1")), "2001:db8:1:2::/64");
  EXPECT_EQ(limit_key(*parse_ip("::1")), "::/64");
}

TEST(Net, ParsesAddressesAndRangesSEC044) {
  EXPECT_EQ(parse_ip("10.1.2.3")->to_string(), "10.1.2.3");
  EXPECT_EQ(parse_ip("::1")->to_string(), "::1");
  EXPECT_EQ(parse_ip("::ffff:10.1.2.3")->to_string(), "10.1.2.3");  // mapped: the v4 address
  for (const char* bad : {"", "10.1.2", "10.1.2.3.4", "host", "1.2.3.4:80", " 1.2.3.4"})
    EXPECT_FALSE(parse_ip(bad)) << bad;
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "::/129", "/8"})
    EXPECT_FALSE(parse_cidr(bad)) << bad;
  auto net = *parse_cidr("10.0.0.0/8");
  EXPECT_TRUE(net.contains(*parse_ip("10.255.0.1")));
  EXPECT_FALSE(net.contains(*parse_ip("11.0.0.1")));
  EXPECT_FALSE(net.contains(*parse_ip("::1")));
  auto odd = *parse_cidr("192.168.1.128/25");
  EXPECT_TRUE(odd.contains(*parse_ip("192.168.1.200")));
  EXPECT_FALSE(odd.contains(*parse_ip("192.168.1.127")));
  auto one = *parse_cidr("127.0.0.2");
  EXPECT_TRUE(one.contains(*parse_ip("127.0.0.2")));
  EXPECT_FALSE(one.contains(*parse_ip("127.0.0.3")));
  auto v6 = *parse_cidr("fd00::/8");
  EXPECT_TRUE(v6.contains(*parse_ip("fd12::1")));
  EXPECT_FALSE(v6.contains(*parse_ip("fe80::1")));
  EXPECT_TRUE(parse_cidr("0.0.0.0/0")->contains(*parse_ip("8.8.8.8")));
}

}  // namespace syncline
