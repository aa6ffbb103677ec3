// --server URLs (DEPLOY-001): http and https with and without ports, IPv6 literals; anything
// else is an error value with the reason (a bad port aborted the CLI with std::stoi before).
#include <gtest/gtest.h>

#include "syncline/api.h"

namespace syncline::client {

TEST(ServerUrl, HttpAndHttpsWithTheirDefaultPortsDEPLOY001) {
  std::string error;
  auto a = parse_server_url("https://sync.example.com", error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->host, "sync.example.com");
  EXPECT_EQ(a->port, 443);
  EXPECT_TRUE(a->tls);
  auto b = parse_server_url("http://127.0.0.1:8080/ignored/path", error);
  ASSERT_TRUE(b) << error;
  EXPECT_EQ(b->host, "127.0.0.1");
  EXPECT_EQ(b->port, 8080);
  EXPECT_FALSE(b->tls);
  auto c = parse_server_url("http://localhost", error);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->port, 80);
  auto v6 = parse_server_url("https://[::1]:8443", error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8443);
}

TEST(ServerUrl, EverythingElseIsAnErrorWithItsReasonDEPLOY001) {
  for (const auto& [url, reason] :
       std::vector<std::pair<std::string, std::string>>{{"https://localhost:notaport", "1..65535"},
                                                        {"https://localhost:99999", "1..65535"},
                                                        {"https://localhost:0", "1..65535"},
                                                        {"ftp://localhost", "scheme"},
                                                        {"localhost:8080", "scheme"},
                                                        {"http://", "no host"},
                                                        {"", "not a URL"}}) {
    std::string error;
    EXPECT_FALSE(parse_server_url(url, error)) << url;
    EXPECT_NE(error.find(reason), std::string::npos) << url << ": " << error;
  }
}

}  // namespace syncline::client
