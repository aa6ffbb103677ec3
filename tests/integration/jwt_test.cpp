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
#include <thread>

#include "support/cdc_fixture.h"
#include "support/jwt_issuer.h"
#include "support/mutations.h"
#include "support/sse_client.h"
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
      {"sub outside the id alphabet", with("sub", "auth0|42"), "INVALID_TOKEN", "sub"},
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
