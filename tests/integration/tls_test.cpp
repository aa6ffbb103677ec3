// TLS in the native client and the CLI (DESIGN §14, DEPLOY-001..005), against a real nginx
// running the shipped site config (deploy/nginx) with a certificate of a CA this test generates:
// https with --ca-file works (API calls, the live stream, the CLI), verification is on by default
// (the system store does not know the test CA), a certificate for another name is refused, each
// with a clear error; API calls reuse one kept-alive connection; plain http still works; a
// malformed --server URL is a clear error, not an abort.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

#include "support/cdc_fixture.h"
#include "support/mutations.h"
#include "support/tls_proxy.h"
#include "syncline/client.h"

namespace syncline::test {

using namespace std::chrono_literals;

class Tls : public WithCdcWorkerAndDir {
 protected:
  static void SetUpTestSuite() {
    WithCdcWorker::SetUpTestSuite();
    ca_dir_ = new std::string(make_temp_dir("syncline-test-ca"));
    ca_ = new TestCa(*ca_dir_, "DNS:localhost");  // not 127.0.0.1: the name check is tested
    proxy_ = new TlsProxy(*ca_, {api().port()});
  }
  static void TearDownTestSuite() {
    delete proxy_;
    delete ca_;
    std::filesystem::remove_all(*ca_dir_);
    delete ca_dir_;
    WithCdcWorker::TearDownTestSuite();
  }
  static client::ServerAddress https(const std::string& host = "localhost") {
    return {host, proxy_->port(), true, ca_->ca_file()};
  }
  int cli(std::vector<std::string> args, std::string* out) {
    std::string line = std::string("'") + SYNCLINE_CLI_BINARY + "' --data-dir '" + dir_ + "'";
    for (const auto& a : args) line += " '" + a + "'";
    return run_command({"/bin/sh", "-c", line + " 2>&1"}, out);
  }

  static inline std::string* ca_dir_ = nullptr;
  static inline TestCa* ca_ = nullptr;
  static inline TlsProxy* proxy_ = nullptr;
};

TEST_F(Tls, ApiCallsGoOverHttpsOnOneKeptAliveConnectionDEPLOY001) {
  client::Api api(https());
  api.set_token(admin_.token);
  for (int i = 0; i < 20; ++i) {
    auto r = api.call("GET", base_ + "/pages");
    ASSERT_EQ(r.status, 200) << r.error;
  }
  auto w = api.call("POST", base_ + "/pages",
                    create_body({{"id", "over-tls"}, {"name", "TLS"}}, next_tx_id()));
  EXPECT_EQ(w.status, 201) << w.error;
  EXPECT_EQ(api.connections_opened(), 1) << "every call opened its own connection";
  // Plain http to the node itself: the same, one connection.
  client::Api plain("127.0.0.1", http_.port());
  plain.set_token(admin_.token);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(plain.call("GET", base_ + "/pages").status, 200);
  EXPECT_EQ(plain.connections_opened(), 1);
}

TEST_F(Tls, VerificationIsOnByDefaultAndNamesTheProblemDEPLOY002) {
  // The system store does not know the test CA.
  client::Api unknown_ca(client::ServerAddress{"localhost", proxy_->port(), true, ""});
  auto r = unknown_ca.call("GET", "/health");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("TLS handshake with localhost:"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("unable to get local issuer certificate"), std::string::npos) << r.error;
  // The certificate names localhost, not 127.0.0.1.
  client::Api wrong_name(https("127.0.0.1"));
  r = wrong_name.call("GET", "/health");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("mismatch"), std::string::npos) << r.error;
  // Plain http to a TLS port: an error, not a hang.
  client::Api plain_to_tls("localhost", proxy_->port());
  EXPECT_NE(plain_to_tls.call("GET", "/health").status, 200);
}

TEST_F(Tls, TheNativeClientStreamsAndWritesOverHttpsDEPLOY003) {
  client::ClientOptions o;
  o.host = "localhost";
  o.port = proxy_->port();
  o.tls = true;
  o.ca_file = ca_->ca_file();
  o.token = admin_.token;
  o.org_id = org_;
  o.data_dir = dir_ + "/c";
  client::Client c(o);
  ASSERT_TRUE(c.start(20s)) << "no live stream through nginx";
  auto tx = c.create("page", {{"id", "tls-page"}, {"name", "Through nginx"}});
  EXPECT_TRUE(wait_until([&] { return c.state(tx) == client::MutationState::kConfirmed; }, 15s));
  // Another writer's change arrives on the TLS stream.
  ASSERT_EQ(
      http_
          .send("POST", base_ + "/pages",
                create_body({{"id", "from-rest"}, {"name", "REST"}}, next_tx_id()), admin_.token)
          .status,
      201);
  EXPECT_TRUE(wait_until([&] { return c.get("page", "from-rest").has_value(); }, 15s));
  c.stop();
}

TEST_F(Tls, TheCliSpeaksHttpsAndSaysWhatIsWrongDEPLOY004) {
  std::string out;
  const std::string url = "https://localhost:" + std::to_string(proxy_->port());
  ASSERT_EQ(cli({"--server", url, "--ca-file", ca_->ca_file(), "login", "--email", admin_.email,
                 "--password", "correct horse battery"},
                &out),
            0)
      << out;
  ASSERT_EQ(cli({"--server", url, "--ca-file", ca_->ca_file(), "pages", "create", "--org", org_,
                 "cli-tls", "Hello"},
                &out),
            0)
      << out;
  EXPECT_NE(out.find("saved on the server"), std::string::npos) << out;
  ASSERT_EQ(
      cli({"--server", url, "--ca-file", ca_->ca_file(), "pages", "list", "--org", org_}, &out), 0)
      << out;
  EXPECT_NE(out.find("cli-tls  Hello"), std::string::npos) << out;
  // Without the CA: one sentence naming the TLS problem.
  EXPECT_EQ(cli({"--server", url, "orgs"}, &out), 1);
  EXPECT_NE(out.find("TLS handshake with localhost:"), std::string::npos) << out;
  // A malformed URL (this aborted the process with exit 134 before).
  EXPECT_EQ(cli({"--server", "https://localhost:notaport", "orgs"}, &out), 2) << out;
  EXPECT_NE(out.find("error: --server"), std::string::npos) << out;
  EXPECT_EQ(cli({"--server", "ftp://localhost", "orgs"}, &out), 2) << out;
}

}  // namespace syncline::test

namespace syncline::test {

// The shipped nginx site in front (SEC-050, DESIGN §20): it sends HSTS, and it sets
// X-Forwarded-For to the client's own address, so a client cannot pick the address the limits
// see. The node trusts the proxy and allows 3 sign-ups per address at once: five sign-ups
// through nginx, each claiming another address, are one client (3 × 201, then 429). The control,
// the same forged header sent straight from a trusted peer, is believed: the test can fail.
TEST_F(Tls, TheSiteSendsHstsAndTheClientsOwnAddressSEC050) {
  Server node(db_url(), "serve", {"--trusted-proxy", "127.0.0.1/32", "--sign-up-burst", "3"});
  TlsProxy site(*ca_, {node.port()});
  auto sign_up_via = [&](const std::string& base, int n) {
    std::string out;
    const std::string body = R"({"email":")" + unique("xff") + R"(@example.test",)" +
                             R"("password":"correct horse battery","name":"X"})";
    run_command(
        {"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", ca_->ca_file(),
         "--resolve", "localhost:" + std::to_string(site.port()) + ":127.0.0.1", "-H",
         "Content-Type: application/json", "-H", "X-Forwarded-For: 10.9.8." + std::to_string(n),
         "--data", body, base + "/auth/sign-up"},
        &out);
    return out;
  };
  const std::string through = "https://localhost:" + std::to_string(site.port());
  std::map<std::string, int> answers;
  for (int i = 1; i <= 5; ++i) ++answers[sign_up_via(through, i)];
  EXPECT_EQ(answers["201"], 3);
  EXPECT_EQ(answers["429"], 2);
  std::map<std::string, int> direct;
  for (int i = 1; i <= 5; ++i)
    ++direct[sign_up_via("http://127.0.0.1:" + std::to_string(node.port()), 10 + i)];
  EXPECT_EQ(direct["201"], 5) << "a trusted peer's X-Forwarded-For was not used: the control";

  std::string head;
  run_command({"curl", "-s", "-D", "-", "-o", "/dev/null", "--cacert", ca_->ca_file(), "--resolve",
               "localhost:" + std::to_string(site.port()) + ":127.0.0.1", through + "/health"},
              &head);
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  EXPECT_NE(head.find("strict-transport-security: max-age="), std::string::npos) << head;
}

}  // namespace syncline::test
