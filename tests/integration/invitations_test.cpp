// Invitations instead of forced membership (DESIGN §20, SEC-050): an admin's invitation answers
// the same whether or not the address has an account; nobody is a member, or sees the org, until
// they accept; an account made for the address after the invitation needs the inviter's token;
// only the invitee accepts or declines, admins revoke; invitations expire and are bounded per org.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "support/fixtures.h"

namespace syncline::test {

namespace json = boost::json;

namespace {

struct Invited {
  int status = 0;
  json::object body;
  std::string id() const { return std::string(body.at("id").as_string()); }
  std::string token() const { return std::string(body.at("token").as_string()); }
};

Invited invite(const Http& http, const std::string& org, const json::object& who,
               const TestUser& admin) {
  json::object body = who;
  if (!body.contains("role")) body["role"] = "member";
  auto r = http.send("POST", "/organizations/" + org + "/invitations", body, admin.token);
  auto j = r.json();
  return {r.status, j.is_object() ? j.as_object() : json::object{}};
}

json::array my_invitations(const Http& http, const TestUser& u) {
  return http.get("/me", u.token).json().as_object()["invitations"].as_array();
}

HttpResponse accept(const Http& http, const std::string& id, const TestUser& u,
                    json::object body = {}) {
  return http.send("POST", "/invitations/" + id + "/accept", body, u.token);
}

int discard(const Http& http, const std::string& id, const TestUser& u) {
  return http
      .request("DELETE", "/invitations/" + id, std::nullopt,
               {{"Authorization", "Bearer " + u.token}})
      .status;
}

TestUser sign_up_as(const Http& http, const std::string& email) {
  auto r = http.send("POST", "/auth/sign-up",
                     {{"email", email}, {"password", "correct horse battery"}, {"name", "Late"}});
  if (r.status != 201) throw std::runtime_error("sign-up failed: " + r.body);
  auto j = r.json().as_object();
  return {std::string(j["user"].as_object()["id"].as_string()), email,
          std::string(j["token"].as_string())};
}

std::set<std::string> keys_of(const json::object& o) {
  std::set<std::string> out;
  for (const auto& kv : o) out.emplace(kv.key());
  return out;
}

}  // namespace

TEST(Invitations, AnInvitationAnswersTheSameWhetherTheAddressHasAnAccountSEC050) {
  auto http = api();
  auto admin = sign_up(http), bob = sign_up(http);
  std::string org(create_org(http, admin)["id"].as_string());

  auto known = invite(http, org, {{"email", bob.email}}, admin);
  auto unknown = invite(http, org, {{"email", unique("nobody") + "@example.test"}}, admin);
  ASSERT_EQ(known.status, 201);
  ASSERT_EQ(unknown.status, 201);
  EXPECT_EQ(keys_of(known.body), keys_of(unknown.body));
  EXPECT_EQ(keys_of(known.body),
            (std::set<std::string>{"id", "organizationId", "email", "role", "token", "expiresAt"}));
  EXPECT_NE(known.token(), unknown.token());

  // Invited is not a member: bob neither reads the org nor lists it, until he accepts.
  EXPECT_EQ(http.get("/organizations/" + org, bob.token).status, 403);
  auto mine = my_invitations(http, bob);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].as_object()["id"].as_string(), known.id());
  EXPECT_EQ(mine[0].as_object()["organizationId"].as_string(), org);
  EXPECT_EQ(mine[0].as_object()["tokenRequired"], false);  // his account held the address
  EXPECT_FALSE(mine[0].as_object().contains("token"));

  auto accepted = accept(http, known.id(), bob);
  ASSERT_EQ(accepted.status, 201) << accepted.body;
  EXPECT_EQ(accepted.json().as_object()["userId"].as_string(), bob.id);
  EXPECT_EQ(accepted.json().as_object()["role"].as_string(), "member");
  EXPECT_EQ(http.get("/organizations/" + org, bob.token).status, 200);
  EXPECT_TRUE(my_invitations(http, bob).empty());
  EXPECT_EQ(accept(http, known.id(), bob).error_code(), "INVITATION_NOT_FOUND");  // spent
  // Inviting a member is refused; the admin's list holds the one still pending, without tokens.
  EXPECT_EQ(invite(http, org, {{"email", bob.email}}, admin).status, 409);
  auto pending = http.get("/organizations/" + org + "/invitations", admin.token);
  ASSERT_EQ(pending.status, 200);
  auto items = pending.json().as_object()["items"].as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].as_object()["id"].as_string(), unknown.id());
  EXPECT_FALSE(items[0].as_object().contains("token"));
  EXPECT_EQ(http.get("/organizations/" + org + "/invitations", bob.token).status, 403);
}

TEST(Invitations, AnAccountMadeAfterTheInvitationNeedsTheInvitersTokenSEC050) {
  auto http = api();
  auto admin = sign_up(http);
  std::string org(create_org(http, admin)["id"].as_string());
  const auto email = unique("later") + "@example.test";
  auto sent = invite(http, org, {{"email", email}, {"role", "admin"}}, admin);
  ASSERT_EQ(sent.status, 201);
  // Sending it again replaces the token: the old one no longer works.
  auto again = invite(http, org, {{"email", email}, {"role", "admin"}}, admin);
  ASSERT_EQ(again.status, 201);
  EXPECT_EQ(again.id(), sent.id());
  EXPECT_NE(again.token(), sent.token());

  // Whoever signs up with the address first sees the invitation but cannot take it unasked.
  auto squatter = sign_up_as(http, email);
  auto mine = my_invitations(http, squatter);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].as_object()["tokenRequired"], true);
  EXPECT_EQ(accept(http, sent.id(), squatter).error_code(), "INVITATION_TOKEN");
  EXPECT_EQ(accept(http, sent.id(), squatter, {{"token", "not-the-token"}}).error_code(),
            "INVITATION_TOKEN");
  EXPECT_EQ(accept(http, sent.id(), squatter, {{"token", sent.token()}}).error_code(),
            "INVITATION_TOKEN");
  EXPECT_EQ(http.get("/organizations/" + org, squatter.token).status, 403);
  // The token alone does not make someone else a member: it is for the invited address.
  auto other = sign_up(http);
  EXPECT_EQ(accept(http, sent.id(), other, {{"token", again.token()}}).error_code(),
            "INVITATION_NOT_FOUND");

  auto ok = accept(http, sent.id(), squatter, {{"token", again.token()}});
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ok.json().as_object()["role"].as_string(), "admin");
  EXPECT_EQ(http.get("/organizations/" + org + "/invitations", squatter.token).status, 200);
}

TEST(Invitations, OnlyTheInviteeDeclinesAndAdminsRevokeSEC050) {
  auto http = api();
  auto admin = sign_up(http), bob = sign_up(http), carol = sign_up(http);
  std::string org(create_org(http, admin)["id"].as_string());
  add_member(http, admin, org, carol, "member");

  auto to_bob = invite(http, org, {{"userId", bob.id}}, admin);
  ASSERT_EQ(to_bob.status, 201);
  EXPECT_EQ(to_bob.body["userId"].as_string(), bob.id);
  EXPECT_FALSE(to_bob.body.contains("email"));  // inviting an id does not reveal the address
  // Neither another member nor an outsider can see, accept or discard it.
  EXPECT_EQ(accept(http, to_bob.id(), carol).error_code(), "INVITATION_NOT_FOUND");
  EXPECT_EQ(discard(http, to_bob.id(), carol), 404);
  EXPECT_EQ(invite(http, org, {{"userId", bob.id}}, carol).status, 403);  // members don't invite
  EXPECT_TRUE(my_invitations(http, carol).empty());
  EXPECT_EQ(discard(http, to_bob.id(), bob), 204);  // declined
  EXPECT_TRUE(my_invitations(http, bob).empty());
  EXPECT_EQ(accept(http, to_bob.id(), bob).error_code(), "INVITATION_NOT_FOUND");

  auto again = invite(http, org, {{"userId", bob.id}}, admin);
  EXPECT_EQ(discard(http, again.id(), admin), 204);  // revoked
  EXPECT_EQ(accept(http, again.id(), bob).error_code(), "INVITATION_NOT_FOUND");
  EXPECT_EQ(http.get("/organizations/" + org, bob.token).status, 403);

  // The older route adds nobody either: it invites (adding by user id also invites).
  auto legacy = http.send("POST", "/organizations/" + org + "/memberships",
                          {{"userId", bob.id}, {"role", "member"}}, admin.token);
  ASSERT_EQ(legacy.status, 201);
  EXPECT_TRUE(legacy.json().as_object().contains("token"));
  EXPECT_EQ(http.get("/organizations/" + org, bob.token).status, 403);
  EXPECT_EQ(my_invitations(http, bob).size(), 1u);
  EXPECT_EQ(invite(http, org, {{"userId", "usr_doesnotexist"}}, admin).status, 404);
}

TEST(Invitations, ExpiredInvitationsAreGoneAfterSevenDaysSEC050) {
  auto http = api();
  auto admin = sign_up(http), bob = sign_up(http);
  std::string org(create_org(http, admin)["id"].as_string());
  auto sent = invite(http, org, {{"email", bob.email}}, admin);
  ASSERT_EQ(sent.status, 201);
  auto days = sql_value(
      "SELECT round(extract(epoch FROM expires_at - created_at) / 86400)"
      " FROM invitations WHERE id = '" +
      sent.id() + "'");
  EXPECT_EQ(days, "7");
  sql_value("UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = '" +
            sent.id() + "'");
  EXPECT_TRUE(my_invitations(http, bob).empty());
  EXPECT_EQ(accept(http, sent.id(), bob).error_code(), "INVITATION_EXPIRED");
  EXPECT_EQ(http.get("/organizations/" + org, bob.token).status, 403);
  EXPECT_EQ(sql_value("SELECT count(*) FROM invitations WHERE id = '" + sent.id() + "'"), "0");
}

// Hostile input (DESIGN §12): every field bounded; pending invitations bounded per org; two
// accepts of one invitation make one membership.
TEST(Invitations, BoundsAndRacesSEC050) {
  auto http = api();
  auto admin = sign_up(http), bob = sign_up(http);
  std::string org(create_org(http, admin)["id"].as_string());
  const std::string path = "/organizations/" + org + "/invitations";
  for (const auto& [body, code] : std::vector<std::pair<json::object, std::string>>{
           {{{"email", "not-an-address"}, {"role", "member"}}, "INVALID_FIELD"},
           {{{"email", std::string(300, 'a') + "@x.test"}, {"role", "member"}}, "INVALID_FIELD"},
           {{{"email", "a@b.test"}, {"role", "owner"}}, "INVALID_FIELD"},
           {{{"email", "a@b.test"}, {"userId", bob.id}, {"role", "member"}}, "INVALID_BODY"},
           {{{"role", "member"}}, "INVALID_BODY"},
           {{{"email", "a@b.test"}, {"role", "member"}, {"admin", true}}, "UNKNOWN_FIELD"},
       }) {
    auto r = http.send("POST", path, body, admin.token);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.error_code(), code) << r.body;
  }
  EXPECT_EQ(sql_value("SELECT count(*) FROM invitations WHERE organization_id = '" + org + "'"),
            "0");
  auto sent = invite(http, org, {{"userId", bob.id}}, admin);
  EXPECT_EQ(accept(http, sent.id(), bob, {{"token", std::string(200, 't')}}).status, 400);
  EXPECT_EQ(accept(http, sent.id(), bob, {{"tok", "x"}}).error_code(), "UNKNOWN_FIELD");
  EXPECT_EQ(accept(http, "../../etc", bob).status, 404);

  std::atomic<int> created{0}, gone{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 4; ++i)
    racers.emplace_back([&] {
      auto r = accept(http, sent.id(), bob);
      (r.status == 201 ? created : gone) += r.status == 201 || r.status == 404;
    });
  for (auto& t : racers) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(gone.load(), 3);
  EXPECT_EQ(sql_value("SELECT count(*) FROM memberships WHERE organization_id = '" + org +
                      "' AND user_id = '" + bob.id + "'"),
            "1");

  // The pending count is capped per org (filled by SQL: 1,000 requests prove nothing more).
  sql_value(
      "INSERT INTO invitations(id, organization_id, email, role, token_hash, expires_at)"
      " SELECT 'inv_fill' || g, '" +
      org +
      "', 'fill' || g || '@example.test', 'member', '\\x00', now() + interval '1 day'"
      " FROM generate_series(1, 999) g");
  EXPECT_EQ(invite(http, org, {{"email", "last@example.test"}}, admin).status, 201);
  auto over = invite(http, org, {{"email", "over@example.test"}}, admin);
  EXPECT_EQ(over.status, 429);
  auto again = invite(http, org, {{"email", "last@example.test"}}, admin);
  EXPECT_EQ(again.status, 201);  // sending one again is not one more
  auto other_org = create_org(http, admin);
  EXPECT_EQ(invite(http, std::string(other_org["id"].as_string()), {{"email", "over@example.test"}},
                   admin)
                .status,
            201);  // another org is not held up
}

}  // namespace syncline::test
