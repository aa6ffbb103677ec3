// External identity (DESIGN §13, JWT-001..010): a node started with --jwt-jwks (RS256 and
// ES256 keys of a stand-in identity provider) and --jwt-issuer/--jwt-audience accepts the
// provider's tokens without any Syncline sign-up: `sub` is the user, the `syncline_orgs` claim
// the memberships (orgs created on first use, addressed by id). Each way a token can be wrong is
// refused with 401 and its reason, an org outside the claim with 403, a stream ends at the
// token's exp with `token_expired`, and the native client's token provider carries it on.
// Session tokens keep working on the same node; HS256 on a node of its own.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "support/cdc_fixture.h"
#include "support/jwt_issuer.h"
#include "support/mutations.h"
#include "support/snapshot.h"
#include "support/sse_client.h"
#include "support/tls_proxy.h"
#include "syncline/client.h"

namespace syncline::test {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
std::string error_code(const HttpResponse& r) {
  auto v = json::parse(r.body);
  return std::string(v.at("error").at("code").as_string());
}
std::string error_message(const HttpResponse& r) {
  auto v = json::parse(r.body);
  return std::string(v.at("error").at("message").as_string());
}
}  // namespace

class Jwt : public WithCdcWorkerAndDir {
 protected:
  static void SetUpTestSuite() {
    WithCdcWorker::SetUpTestSuite();
    issuer_ = new JwtIssuer();
    keys_dir_ = new std::string(make_temp_dir("syncline-jwks"));
    std::ofstream(*keys_dir_ + "/jwks.json") << issuer_->jwks();
    node_ = new Server(db_url(), "serve",
                       {"--jwt-jwks", *keys_dir_ + "/jwks.json", "--jwt-issuer", kJwtIssuer,
                        "--jwt-audience", kJwtAudience});
  }
  static void TearDownTestSuite() {
    delete node_;
    delete issuer_;
    std::filesystem::remove_all(*keys_dir_);
    delete keys_dir_;
    WithCdcWorker::TearDownTestSuite();
  }
  void SetUp() override {
    WithCdcWorkerAndDir::SetUp();
    jwt_org_ = unique("acme");  // an org only the identity provider knows
  }
  Http node() const { return Http(node_->port()); }
  std::string token(const std::string& sub, const std::string& role = "admin",
                    std::int64_t ttl = 300, const std::string& alg = "RS256") const {
    return issuer_->sign(alg, JwtIssuer::claims(sub, {{jwt_org_, role}}, ttl));
  }
  std::string org_path() const { return "/organizations/" + jwt_org_; }

  static inline JwtIssuer* issuer_ = nullptr;
  static inline std::string* keys_dir_ = nullptr;
  static inline Server* node_ = nullptr;
  std::string jwt_org_;
};

TEST_F(Jwt, AValidTokenIsAUserWithTheClaimsMembershipsJWT002) {
  const auto sub = unique("idp-user");
  for (const char* alg : {"RS256", "ES256"}) {
    SCOPED_TRACE(alg);
    auto me = node().get("/me", token(sub, "admin", 300, alg));
    ASSERT_EQ(me.status, 200) << me.body;
    auto v = json::parse(me.body);
    EXPECT_EQ(v.at("user").at("id").as_string(), sub);
    EXPECT_EQ(v.at("user").at("email").as_string(), sub + "@example.test");
    auto memberships = v.at("memberships").as_array();
    ASSERT_EQ(memberships.size(), 1u);
    EXPECT_EQ(memberships[0].at("organizationId").as_string(), jwt_org_);
    EXPECT_EQ(memberships[0].at("role").as_string(), "admin");
  }
  // The org exists on first use; writes are audited with the token's subject.
  auto r =
      node().send("POST", org_path() + "/pages",
                  create_body({{"id", "p1"}, {"name", "From the IdP"}}, next_tx_id()), token(sub));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body).at("data").at("createdBy").as_string(), sub);
  auto list = node().get(org_path() + "/pages", token(sub));
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(json::parse(list.body).at("items").as_array().size(), 1u);
  // Session tokens still work on the same node (built-in sign-up stays).
  EXPECT_EQ(node().get(base_ + "/pages", admin_.token).status, 200);
  // Every org of the claim is listed with its role (created on first use, in one statement).
  const auto second = unique("acme-b"), third = unique("acme-c");
  auto many = issuer_->sign(
      "RS256", JwtIssuer::claims(sub, {{jwt_org_, "admin"}, {second, "member"}, {third, "admin"}}));
  auto listed = node().get("/organizations", many);
  ASSERT_EQ(listed.status, 200) << listed.body;
  std::map<std::string, std::string> roles;
  const auto listed_json = json::parse(listed.body);
  for (const auto& o : listed_json.at("items").as_array())
    roles[std::string(o.at("id").as_string())] = std::string(o.at("role").as_string());
  EXPECT_EQ(roles, (std::map<std::string, std::string>{
                       {jwt_org_, "admin"}, {second, "member"}, {third, "admin"}}));
  // A token within the 60 s leeway after exp is still accepted.
  EXPECT_EQ(node().get("/me", token(sub, "admin", -30)).status, 200);
}

TEST_F(Jwt, EveryWrongTokenIsRefusedWithItsReasonJWT003) {
  const auto sub = unique("idp-user");
  auto claims = JwtIssuer::claims(sub, {{jwt_org_, "admin"}});
  auto with = [&](const char* key, json::value v) {
    auto c = claims;
    c[key] = std::move(v);
    return issuer_->sign("RS256", c);
  };
  auto without = [&](const char* key) {
    auto c = claims;
    c.erase(key);
    return issuer_->sign("RS256", c);
  };
  const std::string good = issuer_->sign("RS256", claims);
  std::string tampered = good;
  tampered[tampered.find('.') + 5] ^= 1;  // one payload character
  JwtIssuer stranger;                     // keys the server does not know
  struct Case {
    std::string name, token, code, reason;
  };
  std::vector<Case> cases{
      {"expired", with("exp", unix_now() - 120), "TOKEN_EXPIRED", "expired"},
      {"not yet valid", with("nbf", unix_now() + 600), "INVALID_TOKEN", "nbf"},
      {"wrong issuer", with("iss", "https://evil.test"), "INVALID_TOKEN", "issuer"},
      {"wrong audience", with("aud", "someone-else"), "INVALID_TOKEN", "audience"},
      {"audience list without ours", with("aud", json::array{"a", "b"}), "INVALID_TOKEN",
       "audience"},
      {"bad signature", tampered, "INVALID_TOKEN", ""},
      {"another key", stranger.sign("RS256", claims), "INVALID_TOKEN", "signature"},
      {"HS256 on an RS256 node", issuer_->sign("HS256", claims, std::string(40, 'k')),
       "INVALID_TOKEN", "alg"},
      {"alg none", issuer_->sign("none", claims), "INVALID_TOKEN", "alg"},
      {"no exp", without("exp"), "INVALID_TOKEN", "exp"},
      {"no sub", without("sub"), "INVALID_TOKEN", "sub"},
      {"sub with a control character", with("sub", "auth0|4\n2"), "INVALID_TOKEN", "sub"},
      {"sub over 255 bytes", with("sub", json::string(std::string(256, 's'))), "INVALID_TOKEN",
       "sub"},
      {"sub not a string", with("sub", 42), "INVALID_TOKEN", "sub"},
      {"missing orgs claim", without("syncline_orgs"), "INVALID_TOKEN", "syncline_orgs"},
      {"orgs claim with a bad role", with("syncline_orgs", json::object{{jwt_org_, "owner"}}),
       "INVALID_TOKEN", "syncline_orgs"},
      {"not a JWT at all", "a.b.c", "INVALID_TOKEN", ""},
      {"huge", std::string(9000, 'a') + ".b.c", "INVALID_TOKEN", "8 KiB"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = node().get("/me", c.token);
    ASSERT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(error_code(r), c.code);
    EXPECT_NE(error_message(r).find(c.reason), std::string::npos) << error_message(r);
    // The same on an org route, and nothing was written.
    auto w = node().send("POST", org_path() + "/pages",
                         create_body({{"id", "x"}, {"name", "x"}}, next_tx_id()), c.token);
    EXPECT_EQ(w.status, 401);
  }
  EXPECT_EQ(sql_value("SELECT count(*) FROM organizations WHERE id = '" + jwt_org_ + "'"), "0");
  EXPECT_EQ(sql_value("SELECT count(*) FROM users WHERE id = '" + sub + "'"), "0");
}

// ADOPT-004: the subjects identity providers issue — Auth0's "auth0|…", an e-mail address,
// non-ASCII — each are a user with a stable id derived from the subject, shown as issued in
// /me; rows are audited with that id.
TEST_F(Jwt, AnyIdentityProvidersSubjectIsAUserADOPT004) {
  const auto tag = unique("s");
  for (const std::string& sub :
       {"auth0|65f1a2b3c4d5e6f7" + tag, "dana." + tag + "@example.com", "Zoë Ångström " + tag}) {
    SCOPED_TRACE(sub);
    auto me = node().get("/me", token(sub));
    ASSERT_EQ(me.status, 200) << me.body;
    auto v = json::parse(me.body);
    std::string id(v.at("user").at("id").as_string());
    EXPECT_EQ(id.rfind("jwt-", 0), 0u) << id;
    EXPECT_EQ(v.at("user").at("subject").as_string(), sub);
    auto again = json::parse(node().get("/me", token(sub)).body);
    EXPECT_EQ(again.at("user").at("id").as_string(), id) << "the id is stable";
    auto r =
        node().send("POST", org_path() + "/pages",
                    create_body({{"id", unique("p")}, {"name", "x"}}, next_tx_id()), token(sub));
    ASSERT_EQ(r.status, 201) << r.body;
    // The owner column holds the subject as issued: the form the app's own rows use.
    EXPECT_EQ(json::parse(r.body).at("data").at("createdBy").as_string(), sub);
  }
}

// ADOPT-004: `own` compares owner columns with the subject as issued. Rows the app wrote itself
// for "auth0|…" are that user's in a list, a snapshot, an update and a delete; another user's
// are not; a create stores the subject.
TEST_F(Jwt, OwnGrantsCompareTheSubjectAsIssuedADOPT004) {
  auto dir = make_temp_dir("syncline-jwt-own");
  const auto file = dir + "/own.yaml";
  std::ofstream(file)
      << "version: 1\ntypes:\n  page:\n    plural: pages\n    table: public.pages\n"
         "    owner: created_by\n    fields:\n      name: {kind: text, max: 255, required: true}\n"
         "      createdBy: {kind: id, server: created_by}\n    grants:\n"
         "      member: {create: all, read: own, update: own, delete: own}\n"
         "      admin: {create: all, read: all, update: all, delete: all}\n";
  Server own(db_url(), "serve",
             {"--schema", file, "--jwt-jwks", *keys_dir_ + "/jwks.json", "--jwt-issuer", kJwtIssuer,
              "--jwt-audience", kJwtAudience});
  Http h(own.port());
  const auto alice = "auth0|alice-" + unique("a"), bob = "auth0|bob-" + unique("b");
  ASSERT_EQ(h.get(org_path() + "/pages", token(alice, "member")).status, 200);  // the org
  sql_value(
      "INSERT INTO public.pages(id, organization_id, name, created_by) VALUES"
      " ('a1', '" +
      jwt_org_ + "', 'a1', '" + alice + "'), ('a2', '" + jwt_org_ + "', 'a2', '" + alice +
      "'), ('b1', '" + jwt_org_ + "', 'b1', '" + bob + "')");
  auto ids = [](const json::array& items) {
    std::set<std::string> out;
    for (const auto& i : items) out.insert(std::string(i.at("data").at("id").as_string()));
    return out;
  };
  auto listed = h.get(org_path() + "/pages", token(alice, "member"));
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(ids(json::parse(listed.body).at("items").as_array()),
            (std::set<std::string>{"a1", "a2"}));
  auto snap = read_snapshot(h, jwt_org_, token(alice, "member"));
  ASSERT_EQ(snap.status, 200);
  std::set<std::string> in_snapshot;
  for (const auto& e : snap.entities)
    in_snapshot.insert(std::string(e.at("data").at("id").as_string()));
  EXPECT_EQ(in_snapshot, (std::set<std::string>{"a1", "a2"}));
  EXPECT_EQ(ids(json::parse(h.get(org_path() + "/pages", token(bob, "member")).body)
                    .at("items")
                    .as_array()),
            (std::set<std::string>{"b1"}));
  // Writes: her own row, yes; Bob's, no (and nothing changed).
  auto rename = [&](const std::string& id, const std::string& sub) {
    return h.send("PATCH", org_path() + "/pages/" + id,
                  update_body("name", "renamed", next_tx_id(), std::nullopt), token(sub, "member"));
  };
  EXPECT_EQ(rename("a1", alice).status, 200);
  EXPECT_EQ(rename("b1", alice).status, 403);
  EXPECT_EQ(sql_value("SELECT name FROM public.pages WHERE id = 'b1' AND organization_id = '" +
                      jwt_org_ + "'"),
            "b1");
  auto gone = h.send("DELETE", org_path() + "/pages/a2", delete_body(next_tx_id(), std::nullopt),
                     token(alice, "member"));
  EXPECT_EQ(gone.status, 200) << gone.body;
  EXPECT_EQ(h.send("DELETE", org_path() + "/pages/b1", delete_body(next_tx_id(), std::nullopt),
                   token(alice, "member"))
                .status,
            403);
  // A create stores the subject as issued.
  auto made =
      h.send("POST", org_path() + "/pages",
             create_body({{"id", "a3"}, {"name", "a3"}}, next_tx_id()), token(alice, "member"));
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(
      sql_value("SELECT created_by FROM public.pages WHERE id = 'a3' AND organization_id = '" +
                jwt_org_ + "'"),
      alice);
  std::filesystem::remove_all(dir);
}

// ADOPT-004: local accounts never block a JWT user (the placeholder address is refused at
// sign-up); a local slug never equals an org id, and ids resolve before slugs.
TEST_F(Jwt, LocalAccountsAndSlugsNeverCollideWithJwtUsersAndOrgsADOPT004) {
  const auto sub = unique("idp-late");
  auto squat = node().send("POST", "/auth/sign-up",
                           json::object{{"email", sub + "@external.invalid"},
                                        {"password", "correct horse battery"},
                                        {"name", "Squatter"}});
  EXPECT_EQ(squat.status, 400) << squat.body;
  EXPECT_EQ(node().get("/me", token(sub)).status, 200);
  // A JWT org whose id is a local org's slug: the token's org is the one addressed by it.
  auto local = sign_up(api(), "Slug owner");
  const auto name = unique("shared");
  auto made = api().send("POST", "/organizations", json::object{{"name", "Local"}, {"slug", name}},
                         local.token);
  ASSERT_EQ(made.status, 201) << made.body;
  jwt_org_ = name;
  auto pages = node().get(org_path() + "/pages", token(sub));
  ASSERT_EQ(pages.status, 200) << pages.body;
  EXPECT_EQ(sql_value("SELECT count(*) FROM organizations WHERE id = '" + name + "'"), "1");
  auto org = node().get("/organizations/" + name, token(sub));
  ASSERT_EQ(org.status, 200) << org.body;
  EXPECT_EQ(json::parse(org.body).at("id").as_string(), name);
  // And a new local org may not take an existing org id as its slug.
  auto taken = api().send("POST", "/organizations", json::object{{"name", "Late"}, {"slug", name}},
                          local.token);
  EXPECT_EQ(taken.status, 409) << taken.body;
  const auto other = unique("jwtorg");
  jwt_org_ = other;
  ASSERT_EQ(node().get(org_path() + "/pages", token(sub)).status, 200);
  auto by_id = api().send("POST", "/organizations", json::object{{"name", "Late"}, {"slug", other}},
                          local.token);
  EXPECT_EQ(by_id.status, 409) << by_id.body;
  EXPECT_EQ(error_code(by_id), "SLUG_TAKEN");
}

// ADOPT-004: --local-accounts off: sign-up and sign-in answer 403; JWTs still work.
TEST_F(Jwt, LocalAccountsOffRefusesSignUpAndSignInADOPT004) {
  Server off(db_url(), "serve",
             {"--jwt-jwks", *keys_dir_ + "/jwks.json", "--jwt-issuer", kJwtIssuer, "--jwt-audience",
              kJwtAudience, "--local-accounts", "off"});
  Http h(off.port());
  auto up = h.send("POST", "/auth/sign-up",
                   json::object{{"email", unique("x") + "@example.test"},
                                {"password", "correct horse battery"},
                                {"name", "X"}});
  EXPECT_EQ(up.status, 403) << up.body;
  EXPECT_EQ(error_code(up), "LOCAL_ACCOUNTS_OFF");
  auto in = h.send("POST", "/auth/sign-in",
                   json::object{{"email", admin_.email}, {"password", "correct horse battery"}});
  EXPECT_EQ(in.status, 403) << in.body;
  EXPECT_EQ(h.get("/me", token(unique("idp-user"))).status, 200);
}

// ADOPT-004: keys from a JWKS URL over https (a CA this test made). A rotation needs no restart:
// a token with the new kid gets 401 at once and works once the background fetch has the new
// keys — one fetch, however many tokens named the kid meanwhile (≤ 1 per 30 s); a stream opened
// before the rotation carries on; a document that no longer parses keeps the keys in hand; a
// URL that cannot be fetched at start refuses the start.
TEST_F(Jwt, KeysFromAJwksUrlRotateWithoutARestartADOPT004) {
  auto dir = make_temp_dir("syncline-jwks-url");
  TestCa ca(dir, "IP:127.0.0.1");
  TlsFileServer idp(ca, 3600);
  idp.put("jwks.json", issuer_->jwks());
  const std::string url = "https://127.0.0.1:" + std::to_string(idp.port()) + "/jwks.json";
  Server node(db_url(), "serve",
              {"--jwt-jwks-url", url, "--jwt-jwks-ca-file", ca.ca_file(), "--jwt-issuer",
               kJwtIssuer, "--jwt-audience", kJwtAudience});
  Http h(node.port());
  const auto sub = unique("rotating");
  ASSERT_EQ(h.get("/me", token(sub)).status, 200);
  const int at_start = idp.requests();
  EXPECT_EQ(at_start, 1);
  SseClient stream(node.port(), org_path() + "/live?live=sse&offset=now", token(sub));
  ASSERT_EQ(stream.status(), 200) << stream.head();
  ASSERT_TRUE(stream.next_of("offset").has_value());

  JwtIssuer next("-2");
  idp.put("jwks.json", next.jwks());
  const auto fresh = next.sign("RS256", JwtIssuer::claims(sub, {{jwt_org_, "admin"}}));
  EXPECT_EQ(h.get("/me", fresh).status, 401) << "an unknown kid is refused at once";
  int tries = 0;
  EXPECT_TRUE(wait_until(
      [&] {
        ++tries;
        return h.get("/me", fresh).status == 200;
      },
      45s));
  EXPECT_EQ(idp.requests(), at_start + 1) << tries << " tokens named the new kid";
  // The stream opened with the old key still delivers (it ends at its token's exp).
  auto w =
      h.send("POST", org_path() + "/pages",
             create_body({{"id", "rotated"}, {"name", "After the rotation"}}, next_tx_id()), fresh);
  ASSERT_EQ(w.status, 201) << w.body;
  auto ev = stream.next_of("change", 20s);
  ASSERT_TRUE(ev.has_value());
  EXPECT_NE(ev->data.find("After the rotation"), std::string::npos) << ev->data;

  // A broken document: fetched (another unknown kid asks), refused, the keys in hand stay.
  idp.put("jwks.json", "{\"keys\": \"not a list\"}");
  JwtIssuer third("-3");
  EXPECT_EQ(h.get("/me", third.sign("RS256", JwtIssuer::claims(sub, {{jwt_org_, "admin"}}))).status,
            401);
  EXPECT_TRUE(wait_until([&] { return idp.requests() == at_start + 2; }, 45s));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(h.get("/me", fresh).status, 200);

  // Nothing to fetch at start: the node does not start.
  std::string out;
  int status = run_command({"/bin/sh", "-c",
                            std::string(SYNCLINE_BINARY) + " --database-url " + db_url() +
                                " serve --listen 127.0.0.1:0 --jwt-jwks-url https://127.0.0.1:" +
                                std::to_string(free_loopback_port()) + "/jwks.json 2>&1"},
                           &out);
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("jwt:"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

TEST_F(Jwt, AnOrgOutsideTheClaimIsForbiddenAndRolesComeFromItJWT004) {
  const auto admin = unique("idp-admin"), member = unique("idp-member");
  // Another org, of a session user: the token names only jwt_org_.
  auto r = node().get(base_ + "/pages", token(admin));
  ASSERT_EQ(r.status, 403) << r.body;
  EXPECT_NE(error_message(r).find("grants no access"), std::string::npos);
  EXPECT_EQ(node().get("/organizations/" + unique("nowhere") + "/pages", token(admin)).status, 403);
  // The claim's role is the role: a member may not delete an admin's page (demo grants: own).
  const auto created = next_tx_id();
  ASSERT_EQ(node()
                .send("POST", org_path() + "/pages",
                      create_body({{"id", "a1"}, {"name", "Admin's"}}, created), token(admin))
                .status,
            201);
  auto del = node().send("DELETE", org_path() + "/pages/a1", delete_body(next_tx_id(), created),
                         token(member, "member"));
  EXPECT_EQ(del.status, 403) << del.body;
  auto ok = node().send("DELETE", org_path() + "/pages/a1", delete_body(next_tx_id(), created),
                        token(admin));
  EXPECT_EQ(ok.status, 200) << ok.body;
  // Membership management of a claim org by its claimed admin works like any org's.
  EXPECT_EQ(node().get(org_path() + "/memberships", token(admin)).status, 200);
  // A claim org has no invitations: its members are the identity provider's (SEC-050).
  auto invited = node().send("POST", org_path() + "/invitations",
                             {{"email", "x@example.test"}, {"role", "member"}}, token(admin));
  EXPECT_EQ(invited.status, 409) << invited.body;
  EXPECT_EQ(invited.error_code(), "MEMBERSHIP_FROM_CLAIMS");
  auto me = node().get("/me", token(admin)).json().as_object();
  EXPECT_TRUE(me["invitations"].as_array().empty());
}

TEST_F(Jwt, AStreamEndsAtTheTokensExpiryJWT006) {
  const auto sub = unique("idp-user");
  // Created first, so the org exists for the stream; exp 3 s from now.
  ASSERT_EQ(node().get(org_path() + "/pages", token(sub)).status, 200);
  auto started = std::chrono::steady_clock::now();
  SseClient stream(node_->port(), org_path() + "/live?live=sse&offset=now", token(sub, "admin", 3));
  ASSERT_EQ(stream.status(), 200);
  ASSERT_TRUE(stream.next_of("offset", 10s));
  ASSERT_EQ(node()
                .send("POST", org_path() + "/pages",
                      create_body({{"id", "live1"}, {"name", "Seen"}}, next_tx_id()), token(sub))
                .status,
            201);
  auto change = stream.next_of("change", 10s);
  ASSERT_TRUE(change);
  EXPECT_NE(change->data.find("live1"), std::string::npos);
  auto error = stream.next_of("error", 15s);
  ASSERT_TRUE(error) << "the stream outlived its token";
  EXPECT_NE(error->data.find("token_expired"), std::string::npos) << error->data;
  EXPECT_GE(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_FALSE(stream.next(3s)) << "the server closes the stream after the error";
}

TEST_F(Jwt, TheNativeClientRefreshesItsTokenThroughTheProviderJWT008) {
  const auto sub = unique("idp-user");
  std::atomic<int> asked{0};
  client::ClientOptions o;
  o.port = node_->port();
  o.org_id = jwt_org_;
  o.data_dir = dir_ + "/native";
  // Tokens of 3 s: the stream ends with token_expired and resumes with a fresh one.
  o.token_provider = [&] {
    ++asked;
    return token(sub, "admin", 3);
  };
  client::Client c(o);
  ASSERT_TRUE(c.start(20s));
  auto first = c.create("page", {{"id", "n1"}, {"name", "Before"}});
  ASSERT_TRUE(wait_until([&] { return c.state(first) == client::MutationState::kConfirmed; }, 15s));
  // Past the first token's expiry: another writer's change still arrives on the stream.
  std::this_thread::sleep_for(4s);
  ASSERT_EQ(
      node()
          .send("POST", org_path() + "/pages",
                create_body({{"id", "n2"}, {"name", "After expiry"}}, next_tx_id()), token(sub))
          .status,
      201);
  EXPECT_TRUE(wait_until([&] { return c.get("page", "n2").has_value(); }, 20s));
  auto later = c.create("page", {{"id", "n3"}, {"name", "Sent with a fresh token"}});
  EXPECT_TRUE(wait_until([&] { return c.state(later) == client::MutationState::kConfirmed; }, 15s));
  EXPECT_GE(asked.load(), 2);
  c.stop();
}

TEST_F(Jwt, HS256AndABadKeyFileJWT001) {
  const std::string secret(48, 's');
  Server hs(db_url(), "serve", {"--jwt-secret", secret});
  Http http(hs.port());
  auto claims = JwtIssuer::claims(unique("hs-user"), {{jwt_org_, "member"}});
  EXPECT_EQ(http.get("/me", issuer_->sign("HS256", claims, secret)).status, 200);
  EXPECT_EQ(http.get("/me", issuer_->sign("HS256", claims, std::string(48, 'x'))).status, 401);
  EXPECT_EQ(http.get("/me", issuer_->sign("RS256", claims)).status, 401);

  // A malformed key file or a short secret is refused at start, naming the problem.
  std::ofstream(dir_ + "/bad.json") << R"({"keys":[{"kty":"RSA","n":"!!"}]})";
  for (const auto& [flags, expect] : std::vector<std::pair<std::string, std::string>>{
           {"--jwt-jwks " + dir_ + "/bad.json", dir_ + "/bad.json: keys[0]"},
           {"--jwt-jwks " + dir_ + "/missing.json", "cannot be read"},
           {"--jwt-secret short", "at least 32 bytes"}}) {
    std::string out;
    int status = run_command({"/bin/sh", "-c",
                              std::string(SYNCLINE_BINARY) + " --database-url " + db_url() +
                                  " serve --listen 127.0.0.1:0 " + flags + " 2>&1"},
                             &out);
    EXPECT_EQ(status, 1) << flags;
    EXPECT_NE(out.find(expect), std::string::npos) << out;
  }
}

}  // namespace syncline::test
