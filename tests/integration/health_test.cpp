// Liveness, docs and routing basics against the real server and Postgres.
#include <gtest/gtest.h>

#include "support/fixtures.h"

namespace syncline::test {

TEST(Health, GetAndHeadAnswer200) {
  auto r = api().get("/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json().as_object().at("status").as_string(), "ok");
  auto h = api().request("HEAD", "/health");
  EXPECT_EQ(h.status, 200);
  EXPECT_TRUE(h.body.empty());
}

TEST(Health, UnknownRouteIsJson404) {
  auto r = api().get("/no/such/route");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error_code(), "NOT_FOUND");
}

TEST(Health, WrongMethodIs405WithAllow) {
  auto r = api().request("DELETE", "/health");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.error_code(), "METHOD_NOT_ALLOWED");
  EXPECT_EQ(r.headers["allow"], "GET");
}

}  // namespace syncline::test
