// ADOPT-005 (DESIGN §19): an app on its own origin calls the API. With --cors-origin, a listed
// origin's preflight is answered and every answer — errors, /health, the SSE stream and the
// snapshot included — lets its page read it (bearer-only: no credentials, never `*`); an origin
// not listed gets no CORS headers; every answer varies on Origin; a malformed origin is refused
// at start.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "support/fixtures.h"
#include "support/sse_client.h"

namespace syncline::test {
namespace {

constexpr const char* kApp = "http://app.test:5173";
constexpr const char* kOther = "https://other.test";
constexpr const char* kStranger = "https://evil.test";

class Cors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    node_ = new Server(db_url(), "serve", {"--cors-origin", kApp, "--cors-origin", kOther});
  }
  static void TearDownTestSuite() {
    delete node_;
    node_ = nullptr;
  }

  static HttpResponse preflight(const std::string& origin, const std::string& target) {
    return Http(node_->port())
        .request("OPTIONS", target, std::nullopt,
                 {{"Origin", origin},
                  {"Access-Control-Request-Method", "PATCH"},
                  {"Access-Control-Request-Headers", "authorization,content-type"}});
  }

  static inline Server* node_ = nullptr;
};

TEST_F(Cors, ListedOriginsPreflightIsAnsweredADOPT005) {
  for (const char* origin : {kApp, kOther}) {
    auto r = preflight(origin, "/organizations/acme/pages/p1");
    ASSERT_EQ(r.status, 204) << r.body;
    EXPECT_EQ(r.headers["access-control-allow-origin"], origin);
    EXPECT_NE(r.headers["access-control-allow-methods"].find("PATCH"), std::string::npos);
    for (const char* h : {"Authorization", "Content-Type", "Last-Event-ID"})
      EXPECT_NE(r.headers["access-control-allow-headers"].find(h), std::string::npos) << h;
    EXPECT_EQ(r.headers["vary"], "Origin");
    EXPECT_FALSE(r.headers.contains("access-control-allow-credentials"));
  }
}

TEST_F(Cors, AnOriginNotListedGetsNoCorsHeadersADOPT005) {
  auto r = preflight(kStranger, "/organizations/acme/pages/p1");
  EXPECT_NE(r.status, 204);
  EXPECT_FALSE(r.headers.contains("access-control-allow-origin"));
  EXPECT_FALSE(r.headers.contains("access-control-allow-methods"));
  // Nearly listed is not listed: origins compare exactly.
  for (const char* near : {"http://app.test:5174", "http://app.test", "HTTP://APP.TEST:5173",
                           "http://app.test:5173/", "null", "*"}) {
    auto g = Http(node_->port()).request("GET", "/health", std::nullopt, {{"Origin", near}});
    EXPECT_EQ(g.status, 200);
    EXPECT_FALSE(g.headers.contains("access-control-allow-origin")) << near;
    EXPECT_EQ(g.headers["vary"], "Origin") << near;
  }
}

TEST_F(Cors, EveryAnswerToAListedOriginIsReadableADOPT005) {
  Http http(node_->port());
  auto health = http.request("GET", "/health", std::nullopt, {{"Origin", kApp}});
  EXPECT_EQ(health.headers["access-control-allow-origin"], kApp);
  const auto& exposed = health.headers["access-control-expose-headers"];
  EXPECT_NE(exposed.find("Stream-Next-Offset"), std::string::npos) << exposed;
  EXPECT_NE(exposed.find("Retry-After"), std::string::npos) << exposed;
  // An error answer too: the page must read the 401's code.
  auto me = http.request("GET", "/me", std::nullopt, {{"Origin", kApp}});
  EXPECT_EQ(me.status, 401);
  EXPECT_EQ(me.headers["access-control-allow-origin"], kApp);
  // No Origin (same-origin or not a browser): no CORS headers, still Vary.
  auto plain = http.get("/health");
  EXPECT_FALSE(plain.headers.contains("access-control-allow-origin"));
  EXPECT_EQ(plain.headers["vary"], "Origin");
}

TEST_F(Cors, StreamAndSnapshotHeadsCarryTheHeadersADOPT005) {
  Http http(node_->port());
  auto owner = sign_up(http, "Cors owner");
  std::string org(create_org(http, owner)["id"].as_string());
  SseClient live(node_->port(), "/organizations/" + org + "/live?live=sse&offset=-1", owner.token,
                 {{"Origin", kApp}});
  ASSERT_EQ(live.status(), 200) << live.head();
  EXPECT_NE(live.head().find("Access-Control-Allow-Origin: http://app.test:5173\r\n"),
            std::string::npos)
      << live.head();
  EXPECT_NE(live.head().find("Vary: Origin\r\n"), std::string::npos) << live.head();
  EXPECT_TRUE(live.next_of("offset").has_value());  // the stream itself still works
  auto snap = http.request("GET", "/organizations/" + org + "/snapshot", std::nullopt,
                           {{"Origin", kApp}, {"Authorization", "Bearer " + owner.token}});
  ASSERT_EQ(snap.status, 200) << snap.body;
  EXPECT_EQ(snap.headers["access-control-allow-origin"], kApp);
  EXPECT_NE(snap.body.find("\"offset\""), std::string::npos) << snap.body;
}

TEST_F(Cors, AMalformedOriginIsRefusedAtStartADOPT005) {
  for (const char* bad : {"*", "null", "http://app.test:5173/", "app.test", "ftp://app.test",
                          "https://App.test", "https://u@app.test"}) {
    Process p(db_url(), {"serve", "--listen", "127.0.0.1:0", "--cors-origin", bad});
    ASSERT_TRUE(wait_until([&] { return !p.running(); }, std::chrono::seconds(20))) << bad;
    EXPECT_NE(p.log().find("--cors-origin"), std::string::npos) << bad << ": " << p.log();
  }
}

}  // namespace
}  // namespace syncline::test
