// SEC-044: X-Forwarded-For is believed only from a trusted proxy, and only up to the right-most
// entry that is not itself a trusted proxy.
#include <gtest/gtest.h>

#include "http/client_address.h"

namespace syncline::http {

namespace {
Request from(const std::string& peer, const std::string& xff = "", const std::string& proto = "") {
  Request r;
  r.peer = peer;
  if (!xff.empty()) r.headers["x-forwarded-for"] = xff;
  if (!proto.empty()) r.headers["x-forwarded-proto"] = proto;
  return r;
}
}  // namespace

TEST(ClientAddress, ForwardedForOnlyFromTrustedProxiesSEC044) {
  Config cfg;
  EXPECT_EQ(client_address(from("203.0.113.9", "1.2.3.4"), cfg), "203.0.113.9");  // none trusted
  cfg.trusted_proxies = {*parse_cidr("10.0.0.0/8")};
  EXPECT_EQ(client_address(from("203.0.113.9", "1.2.3.4"), cfg), "203.0.113.9");  // not a proxy
  EXPECT_EQ(client_address(from("10.0.0.5"), cfg), "10.0.0.5");  // a proxy, no header
  EXPECT_EQ(client_address(from("10.0.0.5", "198.51.100.7"), cfg), "198.51.100.7");
  // Left of the first untrusted hop is the client's own writing: ignored.
  EXPECT_EQ(client_address(from("10.0.0.5", "6.6.6.6, 198.51.100.7"), cfg), "198.51.100.7");
  // Chains of trusted proxies are walked through.
  EXPECT_EQ(client_address(from("10.0.0.5", "198.51.100.7, 10.0.0.9"), cfg), "198.51.100.7");
  // Garbage stops the walk at the nearest hop vouched for.
  EXPECT_EQ(client_address(from("10.0.0.5", "rotate-me-123"), cfg), "10.0.0.5");
  EXPECT_EQ(client_address(from("10.0.0.5", "198.51.100.7, junk, 10.0.0.9"), cfg), "10.0.0.9");
  EXPECT_EQ(client_address(from("10.0.0.5", "10.0.0.1, 10.0.0.2"), cfg), "10.0.0.1");
  EXPECT_EQ(client_address(from("::ffff:10.0.0.5", " 2001:db8::1 "), cfg), "2001:db8::1");
}

TEST(ClientAddress, ForwardedProtoOnlyFromTrustedProxiesSEC044) {
  Config cfg;
  EXPECT_FALSE(forwarded_https(from("10.0.0.5", "", "https"), cfg));
  cfg.trusted_proxies = {*parse_cidr("10.0.0.0/8")};
  EXPECT_TRUE(forwarded_https(from("10.0.0.5", "", "https"), cfg));
  EXPECT_TRUE(forwarded_https(from("10.0.0.5", "", " HTTPS "), cfg));
  EXPECT_FALSE(forwarded_https(from("10.0.0.5", "", "http"), cfg));
  EXPECT_FALSE(forwarded_https(from("203.0.113.9", "", "https"), cfg));
}

}  // namespace syncline::http
