// Liveness, docs and routing basics against the real server and Postgres.
#include <gtest/gtest.h>

#include "support/fixtures.h"

namespace syncline::test {

TEST(Health, GetAndHeadAnswer200NET001) {
  auto r = api().get("/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json().as_object().at("status").as_string(), "ok");
  auto h = api().request("HEAD", "/health");
  EXPECT_EQ(h.status, 200);
  EXPECT_TRUE(h.body.empty());
}

TEST(Health, UnknownRouteIsJson404API002) {
  auto r = api().get("/no/such/route");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error_code(), "NOT_FOUND");
}

TEST(Health, WrongMethodIs405WithAllowAPI002) {
  auto r = api().request("DELETE", "/health");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.error_code(), "METHOD_NOT_ALLOWED");
  EXPECT_EQ(r.headers["allow"], "GET");
}

}  // namespace syncline::test

namespace syncline::test {

// Without a CDC worker, /health/sync reports degraded while /health stays 200 (liveness only).
TEST(Health, SyncHealthIsDegradedWithoutAWorkerButLivenessIsNotCDC010) {
  auto sync = api().get("/health/sync");
  EXPECT_EQ(sync.status, 503);
  EXPECT_EQ(sync.json().as_object()["status"].as_string(), "degraded");
  EXPECT_FALSE(sync.json().as_object()["cdc"].as_object()["active"].as_bool());
  // SEC-050: without an ops token the answer names no worker (host:pid).
  EXPECT_FALSE(sync.json().as_object()["cdc"].as_object().contains("workers")) << sync.body;
  EXPECT_EQ(api().get("/health").status, 200);
  auto m = api().get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("syncline_cdc_active 0"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("syncline_http_responses_total{class=\"2xx\"}"), std::string::npos);
}

}  // namespace syncline::test
