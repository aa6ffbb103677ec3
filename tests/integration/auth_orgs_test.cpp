// Auth (sign-up/in/out, bearer and cookie), organizations and memberships against the real
// server, including the syncline_control notifications streams will react to (DESIGN §6).
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <poll.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <chrono>
#include <thread>

#include "support/fixtures.h"
#include "support/mutations.h"

namespace syncline::test {

namespace json = boost::json;

namespace {
std::string to_lower_copy(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A LISTEN connection on syncline_control for the duration of a test.
class ControlListener {
 public:
  ControlListener() : c_(PQconnectdb(db_url().c_str())) {
    PQclear(PQexec(c_, "LISTEN syncline_control"));
  }
  ~ControlListener() { PQfinish(c_); }
  // Payloads received within the timeout (returns as soon as one arrives and no more follow
  // within 200 ms).
  std::vector<json::object> drain(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::vector<json::object> out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{PQsocket(c_), POLLIN, 0};
      poll(&p, 1, out.empty() ? 100 : 200);
      PQconsumeInput(c_);
      bool got = false;
      while (PGnotify* n = PQnotifies(c_)) {
        out.push_back(json::parse(n->extra).as_object());
        PQfreemem(n);
        got = true;
      }
      if (!got && !out.empty()) break;
    }
    return out;
  }

 private:
  PGconn* c_;
};
}  // namespace

TEST(Auth, SignUpSignInMeSignOutSEC012) {
  auto http = api();
  auto email = unique("ada") + "@Example.test";
  auto up = http.send("POST", "/auth/sign-up",
                      {{"email", email}, {"password", "correct horse"}, {"name", "Ada"}});
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_FALSE(up.json().as_object()["user"].as_object().contains("passwordHash"));
  EXPECT_NE(up.headers["set-cookie"].find("HttpOnly"), std::string::npos);

  // Emails are case-insensitive: a second sign-up with other case is taken.
  auto dup = http.send("POST", "/auth/sign-up",
                       {{"email", to_lower_copy(email)}, {"password", "whatever1"}, {"name", "B"}});
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.error_code(), "EMAIL_TAKEN");

  auto bad = http.send("POST", "/auth/sign-in", {{"email", email}, {"password", "wrong pass"}});
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.error_code(), "INVALID_CREDENTIALS");
  auto nobody = http.send("POST", "/auth/sign-in",
                          {{"email", "nobody@example.test"}, {"password", "correct horse"}});
  EXPECT_EQ(nobody.status, 401);
  EXPECT_EQ(nobody.error_code(), "INVALID_CREDENTIALS");

  auto in = http.send("POST", "/auth/sign-in", {{"email", email}, {"password", "correct horse"}});
  ASSERT_EQ(in.status, 200) << in.body;
  std::string token(in.json().as_object()["token"].as_string());
  auto me = http.get("/me", token);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json().as_object()["user"].as_object()["name"].as_string(), "Ada");
  EXPECT_TRUE(me.json().as_object()["memberships"].as_array().empty());

  // The token is stored only as a hash.
  std::string uid(me.json().as_object()["user"].as_object()["id"].as_string());
  EXPECT_EQ(sql_value("SELECT count(*) FROM sessions WHERE user_id = '" + uid + "'"), "2");
  EXPECT_EQ(sql_value("SELECT count(*) FROM sessions WHERE position(convert_to('" + token +
                      "', 'UTF8') in token_hash) > 0 OR length(token_hash) <> 32"),
            "0");

  // The cookie authenticates too.
  auto by_cookie =
      http.request("GET", "/me", std::nullopt, {{"Cookie", "a=b; syncline_session=" + token}});
  EXPECT_EQ(by_cookie.status, 200);

  ControlListener control;
  auto out =
      http.request("POST", "/auth/sign-out", std::nullopt, {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(out.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(http.get("/me", token).status, 401);
  auto events = control.drain();
  ASSERT_FALSE(events.empty());
  EXPECT_TRUE(events.back()["orgId"].is_null());
  EXPECT_EQ(events.back()["userId"].as_string(),
            me.json().as_object()["user"].as_object()["id"].as_string());
}

TEST(Auth, MissingOrInvalidSessionIs401SEC001) {
  auto http = api();
  EXPECT_EQ(http.get("/me").status, 401);
  EXPECT_EQ(http.get("/me").error_code(), "UNAUTHORIZED");
  EXPECT_EQ(http.get("/me", "x").status, 401);
  EXPECT_EQ(http.get("/organizations").status, 401);
  EXPECT_EQ(http.request("POST", "/auth/sign-out").status, 401);
}

TEST(Orgs, CreatorIsAdminAndOrgIsFoundByIdOrSlugSEC001) {
  auto http = api();
  auto owner = sign_up(http);
  ControlListener control;
  auto org = create_org(http, owner);
  std::string id(org["id"].as_string()), slug(org["slug"].as_string());
  EXPECT_EQ(org["role"].as_string(), "admin");
  auto events = control.drain();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["orgId"].as_string(), id);

  EXPECT_EQ(http.get("/organizations/" + id, owner.token).json().as_object()["slug"].as_string(),
            slug);
  EXPECT_EQ(http.get("/organizations/" + slug, owner.token).json().as_object()["id"].as_string(),
            id);
  EXPECT_EQ(http.get("/organizations/no-such-org", owner.token).status, 404);
  auto mine = http.get("/organizations", owner.token).json().as_object()["items"].as_array();
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].as_object()["id"].as_string(), id);

  auto taken = http.send("POST", "/organizations", {{"name", "x"}, {"slug", slug}}, owner.token);
  EXPECT_EQ(taken.status, 409);
  EXPECT_EQ(taken.error_code(), "SLUG_TAKEN");

  auto outsider = sign_up(http);
  EXPECT_EQ(http.get("/organizations/" + id, outsider.token).status, 403);
  EXPECT_TRUE(
      http.get("/organizations", outsider.token).json().as_object()["items"].as_array().empty());
}

TEST(Orgs, AdminsManageMembershipsAndEveryChangeNotifiesSEC005) {
  auto http = api();
  auto admin = sign_up(http);
  auto org = create_org(http, admin);
  std::string id(org["id"].as_string());
  auto base = "/organizations/" + id + "/memberships";
  auto bob = sign_up(http), carol = sign_up(http);

  ControlListener control;
  add_member(http, admin, id, bob, "member");  // invited, then accepted by bob (SEC-050)
  auto ev = control.drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["orgId"].as_string(), id);
  EXPECT_EQ(ev[0]["userId"].as_string(), bob.id);

  EXPECT_EQ(
      http.send("POST", base, {{"userId", bob.id}, {"role", "member"}}, admin.token).error_code(),
      "ALREADY_MEMBER");

  // Members read the member list but cannot change it.
  EXPECT_EQ(http.get(base, bob.token).json().as_object()["items"].as_array().size(), 2u);
  EXPECT_EQ(http.send("POST", base, {{"userId", carol.id}, {"role", "member"}}, bob.token).status,
            403);
  EXPECT_EQ(http.send("PATCH", base + "/" + admin.id, {{"role", "member"}}, bob.token).status, 403);
  EXPECT_EQ(http.request("DELETE", base + "/" + admin.id, std::nullopt,
                         {{"Authorization", "Bearer " + bob.token}})
                .status,
            403);

  auto promote = http.send("PATCH", base + "/" + bob.id, {{"role", "admin"}}, admin.token);
  ASSERT_EQ(promote.status, 200) << promote.body;
  EXPECT_EQ(promote.json().as_object()["role"].as_string(), "admin");
  ev = control.drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["userId"].as_string(), bob.id);
  // Now bob (admin) may add carol.
  add_member(http, bob, id, carol, "member");

  auto remove = http.request("DELETE", base + "/" + carol.id, std::nullopt,
                             {{"Authorization", "Bearer " + admin.token}});
  EXPECT_EQ(remove.status, 204);
  EXPECT_EQ(http.get("/organizations/" + id, carol.token).status, 403);
  ev = control.drain();
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back()["userId"].as_string(), carol.id);
}

TEST(Orgs, TheLastAdminCannotLeaveOrBeDemotedSEC001) {
  auto http = api();
  auto admin = sign_up(http);
  auto org = create_org(http, admin);
  auto base = "/organizations/" + std::string(org["id"].as_string()) + "/memberships";
  auto demote = http.send("PATCH", base + "/" + admin.id, {{"role", "member"}}, admin.token);
  EXPECT_EQ(demote.status, 409);
  EXPECT_EQ(demote.error_code(), "LAST_ADMIN");
  auto leave = http.request("DELETE", base + "/" + admin.id, std::nullopt,
                            {{"Authorization", "Bearer " + admin.token}});
  EXPECT_EQ(leave.status, 409);
  EXPECT_EQ(http.get(base, admin.token).json().as_object()["items"].as_array().size(), 1u);
}

}  // namespace syncline::test

namespace syncline::test {

TEST(Auth, ASignInFloodIsRateLimitedAndOtherRoutesKeepServingSEC041) {
  auto http = api();
  auto user = sign_up(http);
  auto org = create_org(http, user);
  std::string pages = "/organizations/" + std::string(org["id"].as_string()) + "/pages";
  std::atomic<int> limited{0}, unauthorized{0}, other{0};
  std::vector<std::thread> flood;
  for (int i = 0; i < 40; ++i)
    flood.emplace_back([&] {
      auto r =
          http.send("POST", "/auth/sign-in", {{"email", user.email}, {"password", "wrong!!!"}});
      (r.status == 429 ? limited : r.status == 401 ? unauthorized : other)++;
    });
  int ok = 0;
  for (int i = 0; i < 5; ++i) ok += http.get(pages, user.token).status == 200;
  for (auto& t : flood) t.join();
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(limited.load(), 0);
  EXPECT_GT(unauthorized.load(), 0);
  EXPECT_EQ(limited + unauthorized, 40);
}

}  // namespace syncline::test

namespace syncline::test {

using namespace std::chrono_literals;

// The session/membership cache of org-scoped requests (orgs/access_cache.h, DESIGN §17): a
// member's access, cached by a write, ends with its revocation — at once on the node that made
// the change, and on another node as soon as its bus gets the control notification (well
// within the cache's 5 s TTL, so it was the notification that did it). Sign-out likewise.
TEST(Orgs, CachedAccessEndsWithTheRevocationOnEveryNodeSEC005) {
  Server other(db_url(), "serve");
  auto a = api();
  Http b(other.port());
  auto admin = sign_up(a);
  std::string org(create_org(a, admin)["id"].as_string());
  const std::string members = "/organizations/" + org + "/memberships";
  const std::string pages = "/organizations/" + org + "/pages";
  auto bob = sign_up(a), carol = sign_up(a);
  for (const auto* u : {&bob, &carol}) add_member(a, admin, org, *u, "member");
  int n = 0;
  auto write = [&](Http& node, const TestUser& u) {
    auto body = create_body({{"id", "cached-" + std::to_string(++n)}, {"name", "P"}}, next_tx_id());
    return node.send("POST", pages, body, u.token).status;
  };
  // Cached on both nodes by a granted write each.
  ASSERT_EQ(write(a, bob), 201);
  ASSERT_EQ(write(b, bob), 201);
  ASSERT_EQ(write(b, carol), 201);
  ASSERT_EQ(write(a, carol), 201);

  auto removed = a.request("DELETE", members + "/" + bob.id, std::nullopt,
                           {{"Authorization", "Bearer " + admin.token}});
  ASSERT_EQ(removed.status, 204);
  EXPECT_EQ(write(a, bob), 403) << "the node that removed bob still let him write";
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(wait_until([&] { return write(b, bob) == 403; }, 1500ms))
      << "the other node kept bob's cached access";
  std::printf("revocation reached the other node's cached access after %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - t0)
                                         .count()));
  EXPECT_EQ(write(b, carol), 201) << "another member's access went too";

  ASSERT_EQ(b.send("POST", "/auth/sign-out", json::object{}, carol.token).status, 204);
  EXPECT_EQ(write(b, carol), 401);
  EXPECT_TRUE(wait_until([&] { return write(a, carol) == 401; }, 1500ms))
      << "a signed-out session still wrote through the other node";
}

}  // namespace syncline::test
