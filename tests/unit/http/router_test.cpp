// Routing: captures, 404, 405 with Allow, HEAD served by GET, errors mapped to JSON.
#include "http/router.h"

#include <gtest/gtest.h>

namespace syncline::http {

namespace {
struct Fixture {
  Config cfg;
  db::Pool pool{"postgresql://unused", 1};  // never acquired: handlers here touch no DB
  Router router;
  Response call(const std::string& method, const std::string& path) {
    Request req;
    req.method = method;
    req.path = path;
    Context ctx(cfg, pool, req);
    auto answer = router.dispatch(req, ctx);
    return head_of(answer);
  }
};
}  // namespace

TEST(Router, CapturesSegmentsAndAnswers404And405API002) {
  Fixture f;
  f.router.add("GET", "/organizations/{o}/pages/{id}", [](Request& r, Context&) {
    return json_response(200, {{"o", r.param("o")}, {"id", r.param("id")}});
  });
  f.router.add("PATCH", "/organizations/{o}/pages/{id}",
               [](Request&, Context&) { return json_response(200, {}); });
  auto ok = f.call("GET", "/organizations/acme/pages/p1");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"o":"acme","id":"p1"})");
  EXPECT_EQ(f.call("HEAD", "/organizations/acme/pages/p1").status, 200);
  EXPECT_EQ(f.call("GET", "/organizations/acme/pages").status, 404);
  auto m = f.call("DELETE", "/organizations/acme/pages/p1");
  EXPECT_EQ(m.status, 405);
  ASSERT_FALSE(m.headers.empty());
  EXPECT_EQ(m.headers[0].second, "GET, PATCH");
}

TEST(Router, ErrorValuesBecomeJsonAndUnexpectedExceptions500API002) {
  Fixture f;
  f.router.add("GET", "/bad",
               [](Request&, Context&) -> Result<Response> { return bad_request("NOPE", "no"); });
  f.router.add("GET", "/gone", [](Request&, Context&) -> Result<Response> {
    return make_error(ErrorKind::kUnprocessable, "GONE", "gone");
  });
  f.router.add("GET", "/bug",
               [](Request&, Context&) -> Result<Response> { throw std::runtime_error("boom"); });
  auto bad = f.call("GET", "/bad");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, R"({"error":{"code":"NOPE","message":"no"}})");
  EXPECT_EQ(f.call("GET", "/gone").status, 422);
  auto bug = f.call("GET", "/bug");
  EXPECT_EQ(bug.status, 500);
  EXPECT_EQ(bug.body.find("boom"), std::string::npos);  // internals never leak
}

// Issue 27 item 1: a route that hands its connection to a stream answers the plan, not a
// Response with a flag; its head gets the headers every answer gets, and its errors are answers.
TEST(Router, AHandoverRouteAnswersItsPlanWithTheUsualHeadSTREAM001) {
  Fixture f;
  f.router.add_handover("GET", "/organizations/{o}/live",
                        [](Request& r, Context&) -> Result<Answer> {
                          if (r.param("o") == "gone") return not_found("no such org");
                          stream::LivePlan plan;
                          plan.cursor = 42;
                          return Answer{LiveHandover{std::move(plan), Response{}}};
                        });
  Request req;
  req.method = "GET";
  req.path = "/organizations/acme/live";
  Context ctx(f.cfg, f.pool, req);
  auto answer = f.router.dispatch(req, ctx);
  auto* live = std::get_if<LiveHandover>(&answer);
  ASSERT_NE(live, nullptr);
  EXPECT_EQ(live->plan.cursor, 42);
  bool nosniff = false;
  for (const auto& [name, value] : live->head.headers)
    nosniff |= name == "X-Content-Type-Options" && value == "nosniff";
  EXPECT_TRUE(nosniff);
  auto refused = f.call("GET", "/organizations/gone/live");
  EXPECT_EQ(refused.status, 404);
}

}  // namespace syncline::http
