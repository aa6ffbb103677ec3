// ADOPT-009 (DESIGN §19): the guide "Add Syncline to an existing app" (docs/existing-app.md),
// run as written. Every `sh` block runs in order in one working directory, against a database
// that already holds the app's own `users`, `deals` (with a CHECK constraint) and a Rails-style
// `schema_migrations`, an identity provider serving its JWKS over https (a CA this test makes),
// and the real binary; the `serve` block runs in the background until the end. Not run: the
// settings block (this test gives its own values) and `npm install` (no registry here; the
// browser's cross-origin scenario runs the client on another origin).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "support/fixtures.h"
#include "support/jwt_issuer.h"
#include "support/tls_proxy.h"

namespace syncline::test {

namespace {

struct Block {
  std::string tag;  // what follows "```sh " ("" for a plain block)
  std::string text;
};

std::vector<Block> shell_blocks(const std::string& path) {
  std::ifstream f(path);
  std::vector<Block> out;
  std::string line;
  Block* open = nullptr;
  bool in_other = false;
  while (std::getline(f, line)) {
    if (open) {
      if (line == "```")
        open = nullptr;
      else
        open->text += line + "\n";
    } else if (in_other) {
      in_other = line != "```";
    } else if (line.starts_with("```sh")) {
      out.push_back({line.size() > 6 ? line.substr(6) : "", ""});
      open = &out.back();
    } else if (line.starts_with("```")) {
      in_other = true;
    }
  }
  return out;
}

// The app as it was before Syncline: its own users, deals and migration ledger.
void make_app(const std::string& url) {
  sql_value(R"sql(
    CREATE TABLE public.users (id bigserial PRIMARY KEY, email text UNIQUE NOT NULL,
                               auth0_sub text UNIQUE);
    CREATE TABLE public.deals (
      id          text PRIMARY KEY,
      account_id  text NOT NULL,
      title       varchar(200) NOT NULL,
      stage       text NOT NULL DEFAULT 'lead' CHECK (stage IN ('lead', 'won', 'lost')),
      amount      numeric(12, 2) CHECK (amount >= 0),
      notes       text,
      created_by  text,
      updated_at  timestamptz NOT NULL DEFAULT now());
    CREATE TABLE public.schema_migrations (version character varying PRIMARY KEY);
    INSERT INTO public.users(email, auth0_sub) VALUES ('ann@acme.test', 'auth0|guide-user');
    INSERT INTO public.deals(id, account_id, title, stage, amount) VALUES
      ('deal-1', 'acme', 'Renewal', 'won', 12000), ('deal-2', 'acme', 'Upsell', 'lead', 800.5),
      ('deal-9', 'globex', 'Not yours', 'lead', 1);
    INSERT INTO public.schema_migrations VALUES ('20240101120000');
  )sql",
            url);
}

}  // namespace

TEST(Guide, AddSyncToAnExistingAppAsTheGuideSaysADOPT009) {
  ScratchDatabase db("guide");
  make_app(db.url());
  const auto users_before = table_checksum("public.users", db.url());
  const auto ledger_before = table_checksum("public.schema_migrations", db.url());

  const auto dir = make_temp_dir("syncline-guide");
  TestCa ca(dir, "IP:127.0.0.1");
  TlsFileServer idp(ca, 3600);
  JwtIssuer issuer;
  idp.put("jwks.json", issuer.jwks());
  const auto bin = dir + "/bin";
  std::filesystem::create_directories(bin);
  std::filesystem::create_symlink(SYNCLINE_BINARY, bin + "/syncline");
  const auto work = dir + "/app";
  std::filesystem::create_directories(work);
  const auto port = std::to_string(free_loopback_port());
  const std::string origin = "http://127.0.0.1:5173";
  const auto token =
      issuer.sign("RS256", JwtIssuer::claims("auth0|guide-user", {{"acme", "member"}}));
  // The values of the guide's settings block, and what a test needs on top (its own slot).
  const std::vector<std::pair<std::string, std::string>> env{
      {"PATH", bin + ":" + std::string(getenv("PATH"))},
      {"DATABASE_URL", db.url()},
      {"JWKS_URL", "https://127.0.0.1:" + std::to_string(idp.port()) + "/jwks.json"},
      {"SYNCLINE_JWT_JWKS_CA_FILE", ca.ca_file()},
      {"ISSUER", kJwtIssuer},
      {"AUDIENCE", kJwtAudience},
      {"APP_ORIGIN", origin},
      {"PORT", port},
      {"TOKEN", token},
      {"SYNCLINE_CDC_SLOT", db.name()},
      {"SYNCLINE_CDC_PUBLICATION", db.name() + "_pub"},
      {"SYNCLINE_CDC_TX_PUBLICATION", db.name() + "_tx"},
      {"SYNCLINE_LOG_LEVEL", "warn"}};
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);

  const auto blocks = shell_blocks(SYNCLINE_SOURCE_DIR "/docs/existing-app.md");
  ASSERT_GE(blocks.size(), 7u);
  pid_t server = -1;
  int run = 0;
  std::string printed;  // what the blocks printed, all of it
  for (const auto& b : blocks) {
    if (b.tag == "settings" || b.tag == "app") continue;
    SCOPED_TRACE(b.text);
    if (b.tag == "serve") {
      std::fflush(nullptr);
      server = fork();
      if (server == 0) {
        if (chdir(work.c_str()) != 0) _exit(127);
        execl("/bin/bash", "bash", "-c", ("exec " + b.text).c_str(), nullptr);
        _exit(127);
      }
      Http http(static_cast<unsigned short>(std::stoi(port)));
      ASSERT_TRUE(wait_until(
          [&] {
            try {
              return http.get("/health").status == 200;
            } catch (const std::exception&) {
              return false;  // not listening yet
            }
          },
          std::chrono::seconds(30)));
      ++run;
      continue;
    }
    std::string out;
    EXPECT_EQ(
        run_command({"/bin/bash", "-euo", "pipefail", "-c", "cd " + work + "\n" + b.text}, &out), 0)
        << out;
    printed += out;
    ++run;
  }
  EXPECT_EQ(run, 6) << "every block but the settings and npm install";
  ASSERT_GT(server, 0);

  // The list showed the app's existing rows of that account, and only those.
  EXPECT_NE(printed.find("\"Renewal\""), std::string::npos) << printed;
  EXPECT_EQ(printed.find("Not yours"), std::string::npos) << printed;
  EXPECT_NE(printed.find("\"subject\":\"auth0|guide-user\""), std::string::npos) << printed;
  // The write went into the app's own table, the CDC worker logged it in Syncline's schema, and
  // nothing of the app's besides changed.
  EXPECT_EQ(sql_value("SELECT title || '/' || account_id || '/' || amount FROM public.deals"
                      " WHERE id = 'deal-guide-1'",
                      db.url()),
            "Guide deal/acme/7000.25");
  EXPECT_TRUE(wait_until([&] {
    return sql_value("SELECT count(*) FROM syncline.activities WHERE entity_id = 'deal-guide-1'",
                     db.url()) == "1";
  }));
  EXPECT_EQ(table_checksum("public.users", db.url()), users_before);
  EXPECT_EQ(table_checksum("public.schema_migrations", db.url()), ledger_before);
  // The guide's TypeScript types were generated from its schema file.
  std::ifstream types(work + "/src/syncline-types.ts");
  std::string ts((std::istreambuf_iterator<char>(types)), {});
  EXPECT_NE(ts.find("stage"), std::string::npos) << ts;

  kill(server, SIGTERM);
  int status = 0;
  waitpid(server, &status, 0);
  for (const auto& [k, v] : env)
    if (k != "PATH") unsetenv(k.c_str());
  setenv("PATH", std::string(getenv("PATH")).substr(bin.size() + 1).c_str(), 1);
  std::filesystem::remove_all(dir);
}

}  // namespace syncline::test
