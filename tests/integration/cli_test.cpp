// syncline-cli end to end: login, orgs, pages list/get/create/set/delete and watch, against
// the real server (the client library's first user).
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <thread>

#include "support/cdc_fixture.h"
#include "support/child.h"
#include "support/mutations.h"
#include "support/tcp_proxy.h"

namespace syncline::test {

class Cli : public WithCdcWorkerAndDir {
 protected:
  std::vector<std::string> argv(std::vector<std::string> args, unsigned short port = 0) {
    std::vector<std::string> argv{SYNCLINE_CLI_BINARY, "--server",
                                  "http://127.0.0.1:" + std::to_string(port ? port : http_.port()),
                                  "--data-dir", dir_};
    for (auto& a : args) argv.push_back(std::move(a));
    return argv;
  }
  int cli(std::vector<std::string> args, std::string* out = nullptr, unsigned short port = 0) {
    return run_command(argv(std::move(args), port), out);
  }
  // The same, with what the CLI writes to stderr too.
  int cli_with_errors(std::vector<std::string> args, std::string* out, unsigned short port = 0) {
    std::string line;
    for (const auto& a : argv(std::move(args), port)) line += "'" + a + "' ";
    return run_command({"/bin/sh", "-c", line + "2>&1"}, out);
  }
};

TEST_F(Cli, SignsInAndManagesPagesSCHEMA025) {
  std::string out;
  EXPECT_NE(cli({"orgs"}, &out), 0);  // not signed in yet
  ASSERT_EQ(cli({"login", "--email", admin_.email, "--password", "correct horse battery"}, &out),
            0);
  EXPECT_NE(out.find("signed in as"), std::string::npos);
  ASSERT_EQ(cli({"orgs"}, &out), 0);
  EXPECT_NE(out.find(org_), std::string::npos);
  ASSERT_EQ(cli({"pages", "create", "--org", org_, "cli-page", "Hello"}, &out), 0) << out;
  EXPECT_EQ(sql_value("SELECT name FROM pages WHERE id = 'cli-page'"), "Hello");
  ASSERT_EQ(cli({"pages", "set", "--org", org_, "cli-page", "name", "Renamed"}, &out), 0) << out;
  ASSERT_EQ(cli({"pages", "set", "--org", org_, "cli-page", "displayOrder", "7"}, &out), 0) << out;
  EXPECT_EQ(sql_value("SELECT name || ':' || display_order FROM pages WHERE id = 'cli-page'"),
            "Renamed:7");
  ASSERT_EQ(cli({"pages", "get", "--org", org_, "cli-page"}, &out), 0);
  EXPECT_NE(out.find("\"Renamed\""), std::string::npos);
  ASSERT_EQ(cli({"pages", "list", "--org", org_}, &out), 0);
  EXPECT_NE(out.find("cli-page  Renamed"), std::string::npos);
  EXPECT_NE(cli({"pages", "set", "--org", org_, "cli-page", "status", "bogus"}, &out), 0);
  ASSERT_EQ(cli({"pages", "delete", "--org", org_, "cli-page"}, &out), 0) << out;
  EXPECT_EQ(sql_value("SELECT count(*) FROM pages WHERE id = 'cli-page'"), "0");
}

TEST_F(Cli, GenericCommandsWorkOnAnyDeclaredTypeSCHEMA025) {
  std::string out;
  ASSERT_EQ(cli({"login", "--email", admin_.email, "--password", "correct horse battery"}, &out),
            0);
  ASSERT_EQ(cli({"create", "attachment", "cli-att", "name=Logo", "filename=logo.png",
                 "contentType=image/png", "size=1234", "public=true", "--org", org_},
                &out),
            0)
      << out;
  EXPECT_EQ(sql_value("SELECT name || ':' || size || ':' || public FROM attachments"
                      " WHERE id = 'cli-att'"),
            "Logo:1234:true");
  ASSERT_EQ(cli({"set", "attachment", "cli-att", "size", "99", "--org", org_}, &out), 0) << out;
  ASSERT_EQ(cli({"get", "attachment", "cli-att", "--org", org_}, &out), 0);
  EXPECT_NE(out.find("\"size\":99"), std::string::npos) << out;
  ASSERT_EQ(cli({"list", "attachment", "--org", org_}, &out), 0);
  EXPECT_NE(out.find("cli-att  {"), std::string::npos) << out;
  EXPECT_EQ(cli_with_errors({"list", "thing", "--org", org_}, &out), 2);
  EXPECT_NE(out.find("unknown type 'thing' (the server declares: page, attachment)"),
            std::string::npos)
      << out;
  ASSERT_EQ(cli({"delete", "attachment", "cli-att", "--org", org_}, &out), 0) << out;
  EXPECT_EQ(sql_value("SELECT count(*) FROM attachments WHERE id = 'cli-att'"), "0");
}

// ADOPT-007: a bearer token by --token or SYNCLINE_TOKEN (no login, nothing in the data dir),
// global options after the subcommand too, and numbers as JavaScript prints them.
TEST_F(Cli, TokenAndGlobalOptionsAnywhereADOPT007) {
  std::string fresh = dir_ + "/f", out;
  std::string server = "http://127.0.0.1:" + std::to_string(http_.port());
  ASSERT_EQ(run_command({SYNCLINE_CLI_BINARY, "pages", "create", "--org", org_, "tok-page", "T",
                         "--server", server, "--data-dir", fresh, "--token", admin_.token},
                        &out),
            0)
      << out;
  ASSERT_EQ(
      run_command({SYNCLINE_CLI_BINARY, "pages", "set", "--org", org_, "tok-page", "displayOrder",
                   "7000.25", "--data-dir", fresh, "--server", server, "--token", admin_.token},
                  &out),
      0)
      << out;
  ASSERT_EQ(run_command(
                {"/bin/sh", "-c",
                 "SYNCLINE_TOKEN='" + admin_.token + "' '" + SYNCLINE_CLI_BINARY + "' --server " +
                     server + " pages get --org " + org_ + " tok-page --data-dir '" + fresh + "'"},
                &out),
            0)
      << out;
  EXPECT_NE(out.find("\"displayOrder\":7000.25"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(fresh + "/token"));  // nothing was kept
  // A wrong token is refused, not replaced by a kept one.
  EXPECT_NE(run_command({SYNCLINE_CLI_BINARY, "orgs", "--server", server, "--data-dir", dir_,
                         "--token", "not-a-token"},
                        &out),
            0);
  // Every --help lists the global options.
  run_command({SYNCLINE_CLI_BINARY, "sync", "--help"}, &out);
  for (const char* flag : {"--server", "--ca-file", "--data-dir", "--token"})
    EXPECT_NE(out.find(flag), std::string::npos) << flag << " missing from:\n" << out;
}

// Invitations from the terminal (SEC-050): the admin invites an address and is shown the code;
// whoever signs up with the address afterwards lists the invitation, cannot accept it without
// the code, accepts it with it, and then has the org; a declined invitation is gone.
TEST_F(Cli, InvitesAndAcceptsWithTheCodeSEC050) {
  std::string out;
  const auto email = unique("cli-invitee") + "@example.test";
  ASSERT_EQ(cli({"invite", "--org", org_, "--email", email, "--token", admin_.token}, &out), 0)
      << out;
  auto at = out.find("code: ");
  ASSERT_NE(at, std::string::npos) << out;
  const auto code = out.substr(at + 6, out.find('\n', at) - at - 6);
  ASSERT_EQ(http_
                .send("POST", "/auth/sign-up",
                      {{"email", email}, {"password", "correct horse battery"}, {"name", "Inv"}})
                .status,
            201);
  ASSERT_EQ(cli({"login", "--email", email, "--password", "correct horse battery"}, &out), 0);
  ASSERT_EQ(cli({"invitations"}, &out), 0) << out;
  EXPECT_NE(out.find("(needs the inviter's code)"), std::string::npos) << out;
  const auto id = out.substr(0, out.find(' '));
  ASSERT_TRUE(id.starts_with("inv_")) << out;
  EXPECT_NE(cli_with_errors({"invitations", "accept", id}, &out), 0);
  EXPECT_NE(out.find("INVITATION_TOKEN"), std::string::npos) << out;
  ASSERT_EQ(cli({"invitations", "accept", id, "--code", code}, &out), 0) << out;
  EXPECT_NE(out.find("joined organization " + org_), std::string::npos) << out;
  ASSERT_EQ(cli({"orgs"}, &out), 0);
  EXPECT_NE(out.find(org_), std::string::npos) << out;
  ASSERT_EQ(cli({"invitations"}, &out), 0);
  EXPECT_NE(out.find("no invitations"), std::string::npos) << out;

  // Another org invites the same account by id; it declines.
  auto other = sign_up(http_, "Other");
  std::string other_org(create_org(http_, other)["id"].as_string());
  ASSERT_EQ(cli({"login", "--email", other.email, "--password", "correct horse battery"}, &out), 0);
  auto invitee = sql_value("SELECT id FROM users WHERE email = '" + email + "'");
  ASSERT_EQ(cli({"invite", "--org", other_org, "--user-id", invitee, "--role", "admin"}, &out), 0)
      << out;
  ASSERT_EQ(cli({"login", "--email", email, "--password", "correct horse battery"}, &out), 0);
  ASSERT_EQ(cli({"invitations"}, &out), 0);
  const auto second = out.substr(0, out.find(' '));
  EXPECT_EQ(out.find("needs the inviter's code"), std::string::npos) << out;
  ASSERT_EQ(cli({"invitations", "decline", second}, &out), 0) << out;
  EXPECT_EQ(sql_value("SELECT count(*) FROM memberships WHERE organization_id = '" + other_org +
                      "' AND user_id = '" + invitee + "'"),
            "0");
  EXPECT_NE(cli({"invite", "--org", org_}, &out), 0);  // neither --email nor --user-id
}

// A data dir deeper than a Unix socket path can be (107 bytes) still works: the machine link's
// socket then lives in a private runtime dir (it used to abort with "socket path too long").
TEST_F(Cli, ADeepDataDirWorksTAB001) {
  std::string deep = dir_ + "/" + std::string(60, 'd') + "/" + std::string(60, 'e'), out;
  std::string server = "http://127.0.0.1:" + std::to_string(http_.port());
  ASSERT_EQ(run_command({SYNCLINE_CLI_BINARY, "pages", "create", "--org", org_, "deep-page", "D",
                         "--server", server, "--data-dir", deep, "--token", admin_.token},
                        &out),
            0)
      << out;
  ASSERT_EQ(run_command({SYNCLINE_CLI_BINARY, "sync", "--org", org_, "--server", server,
                         "--data-dir", deep, "--token", admin_.token},
                        &out),
            0)
      << out;
  ASSERT_EQ(run_command({SYNCLINE_CLI_BINARY, "pages", "list", "--org", org_, "--server", server,
                         "--data-dir", deep, "--token", admin_.token},
                        &out),
            0)
      << out;
  EXPECT_NE(out.find("deep-page"), std::string::npos) << out;
}

TEST_F(Cli, WatchPrintsChangesAsTheyHappenSTREAM040) {
  std::string out;
  ASSERT_EQ(cli({"login", "--email", admin_.email, "--password", "correct horse battery"}, &out),
            0);
  auto watching = std::async(std::launch::async, [&] {
    std::string w;
    cli({"watch", "--org", org_, "--seconds", "5"}, &w);
    return w;
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_EQ(http_
                .send("POST", base_ + "/pages",
                      create_body({{"id", "watched"}, {"name", "W"}}, next_tx_id()), admin_.token)
                .status,
            201);
  auto printed = watching.get();
  EXPECT_NE(printed.find("page watched"), std::string::npos) << printed;
}

// SHAPE-015: `list --where` asks the server for the shape (offline: this machine's copy with
// the same filter); `watch --where` streams only it; a bad one is the server's 400 and reason.
TEST_F(Cli, ListAndWatchTakeWhereSHAPE015) {
  std::string out;
  ASSERT_EQ(cli({"login", "--email", admin_.email, "--password", "correct horse battery"}, &out),
            0);
  for (const char* st : {"published", "archived"})
    ASSERT_EQ(http_
                  .send("POST", base_ + "/pages",
                        create_body({{"id", std::string("w-") + st}, {"name", st}, {"status", st}},
                                    next_tx_id()),
                        admin_.token)
                  .status,
              201);
  ASSERT_EQ(cli({"pages", "list", "--org", org_, "--where", "status=published"}, &out), 0) << out;
  EXPECT_NE(out.find("w-published"), std::string::npos) << out;
  EXPECT_EQ(out.find("w-archived"), std::string::npos) << out;
  ASSERT_EQ(
      cli({"list", "page", "--org", org_, "--where", R"(status=["archived","unpublished"])"}, &out),
      0);
  EXPECT_NE(out.find("w-archived"), std::string::npos) << out;
  EXPECT_EQ(out.find("w-published"), std::string::npos) << out;
  EXPECT_EQ(cli_with_errors({"pages", "list", "--org", org_, "--where", "colour=red"}, &out), 1);
  EXPECT_NE(out.find("INVALID_SHAPE"), std::string::npos) << out;
  EXPECT_NE(out.find("no field 'colour'"), std::string::npos) << out;
  EXPECT_EQ(cli_with_errors({"watch", "--org", org_, "--where", "status=published"}, &out), 2);
  EXPECT_NE(out.find("TYPE.FIELD=VALUE"), std::string::npos) << out;
  auto watching = std::async(std::launch::async, [&] {
    std::string w;
    cli({"watch", "--org", org_, "--seconds", "6", "--where", "page.status=published"}, &w);
    return w;
  });
  std::this_thread::sleep_for(std::chrono::seconds(3));
  for (const char* st : {"published", "archived"})
    ASSERT_EQ(
        http_
            .send("POST", base_ + "/pages",
                  create_body({{"id", std::string("live-") + st}, {"name", st}, {"status", st}},
                              next_tx_id()),
                  admin_.token)
            .status,
        201);
  auto printed = watching.get();
  EXPECT_NE(printed.find("page live-published"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("live-archived"), std::string::npos) << printed;
  // Offline: the cache, filtered the same way.
  TcpProxy proxy(http_.port());
  proxy.cut();
  ASSERT_EQ(cli_with_errors({"pages", "list", "--org", org_, "--where", "status=published"}, &out,
                            proxy.port()),
            0);
  EXPECT_NE(out.find("offline"), std::string::npos) << out;
  EXPECT_NE(out.find("live-published"), std::string::npos) << out;
  EXPECT_EQ(out.find("archived  "), std::string::npos) << out;
}

// OFFLINE-020..024: edits made offline that someone else overtook are listed with both values
// and resolved from the terminal: keep mine, keep server, and (interactively) a merged value.
TEST_F(Cli, ResolvesOfflineConflictsFromTheTerminalOFFLINE020) {
  std::string out;
  ASSERT_EQ(cli({"login", "--email", admin_.email, "--password", "correct horse battery"}, &out),
            0);
  const std::vector<std::string> ids{"cf-mine", "cf-server", "cf-merge"};
  for (const auto& id : ids)
    ASSERT_EQ(cli({"pages", "create", "--org", org_, id, "Base"}, &out), 0) << out;
  TcpProxy proxy(http_.port());
  proxy.cut();
  for (const auto& id : ids) {
    ASSERT_EQ(cli({"pages", "set", "--org", org_, id, "name", "Mine-" + id}, &out, proxy.port()),
              0);
    EXPECT_NE(out.find("saved on this machine only"), std::string::npos) << out;  // the outbox
  }
  for (const auto& id : ids) {  // meanwhile someone else renames them
    auto cur = http_.get(base_ + "/pages/" + id, admin_.token).json();
    std::string tx(cur.at("fieldTx").at("name").as_string());
    ASSERT_EQ(http_
                  .send("PATCH", base_ + "/pages/" + id,
                        update_body("name", boost::json::value("Theirs-" + id), next_tx_id(), tx),
                        admin_.token)
                  .status,
              200);
  }
  proxy.restore();
  ASSERT_EQ(cli({"conflicts", "--org", org_, "list"}, &out), 0);
  std::map<std::string, std::string> conflict_of;  // page -> conflict id
  for (const auto& id : ids) {
    auto at = out.find(" page " + id + " name");
    ASSERT_NE(at, std::string::npos) << out;
    auto line_start = out.rfind('\n', at) == std::string::npos ? 0 : out.rfind('\n', at) + 1;
    conflict_of[id] = out.substr(line_start, at - line_start - 1);
    EXPECT_NE(out.find("\"Mine-" + id + "\""), std::string::npos) << out;
    EXPECT_NE(out.find("\"Theirs-" + id + "\""), std::string::npos) << out;
  }
  EXPECT_EQ(
      cli({"conflicts", "--org", org_, "resolve", conflict_of["cf-mine"], "--keep-mine"}, &out), 0)
      << out;
  EXPECT_EQ(sql_value("SELECT name FROM pages WHERE id = 'cf-mine'"), "Mine-cf-mine");
  EXPECT_EQ(
      cli({"conflicts", "--org", org_, "resolve", conflict_of["cf-server"], "--keep-server"}, &out),
      0)
      << out;
  EXPECT_EQ(sql_value("SELECT name FROM pages WHERE id = 'cf-server'"), "Theirs-cf-server");
  {
    Child interactive(argv({"conflicts", "--org", org_}));
    ASSERT_TRUE(interactive.wait_line("    server: \"Theirs-cf-merge\""));
    interactive.send("e");
    interactive.send("Merged by hand");
    EXPECT_TRUE(interactive.wait_contains("sent "));
  }
  EXPECT_EQ(sql_value("SELECT name FROM pages WHERE id = 'cf-merge'"), "Merged by hand");
  ASSERT_EQ(cli({"conflicts", "--org", org_, "list"}, &out), 0);
  EXPECT_NE(out.find("no conflicts"), std::string::npos) << out;
}

// Issue 12 item 8, as a new user meets it: with the server unreachable, an org named by its slug
// still works (this machine resolved it before), errors are one sentence without library
// internals, an edit of an entity this machine never saw says it may conflict, and the run that
// sends it (here `watch`) says that it did conflict, with both values and the command.
TEST_F(Cli, SaysWhatReallyHappenedOfflineAndAfterOFFLINE010) {
  std::string out;
  ASSERT_EQ(cli({"login", "--email", admin_.email, "--password", "correct horse battery"}, &out),
            0);
  const std::string slug(sql_value("SELECT slug FROM organizations WHERE id = '" + org_ + "'"));
  ASSERT_EQ(cli({"pages", "create", "--org", slug, "seen", "Seen"}, &out), 0) << out;
  EXPECT_NE(out.find("create page seen: saved on the server"), std::string::npos) << out;
  // Someone else creates a page this machine's cache never loads.
  auto created = next_tx_id();
  ASSERT_EQ(http_
                .send("POST", base_ + "/pages",
                      create_body({{"id", "unseen"}, {"name", "Theirs"}}, created), admin_.token)
                .status,
            201);
  TcpProxy proxy(http_.port());
  proxy.cut();
  // By slug, offline.
  EXPECT_EQ(
      cli_with_errors({"pages", "set", "--org", slug, "seen", "name", "Mine"}, &out, proxy.port()),
      0)
      << out;
  EXPECT_NE(out.find("set page seen name: saved on this machine only"), std::string::npos) << out;
  EXPECT_EQ(out.find("/usr/include"), std::string::npos) << out;
  EXPECT_EQ(cli_with_errors({"pages", "get", "--org", slug, "seen"}, &out, proxy.port()), 0);
  EXPECT_NE(out.find("\"Mine\""), std::string::npos) << out;
  EXPECT_NE(out.find("1 change(s) of yours not yet sent"), std::string::npos) << out;
  EXPECT_EQ(cli_with_errors({"pages", "set", "--org", slug, "unseen", "name", "Mine"}, &out,
                            proxy.port()),
            0);
  EXPECT_NE(out.find("this machine has no copy of page unseen yet, so if someone else changed it"),
            std::string::npos)
      << out;
  // An org this machine never opened: one sentence, exit 1.
  EXPECT_EQ(cli_with_errors({"pages", "list", "--org", "never-seen"}, &out, proxy.port()), 1);
  EXPECT_NE(out.find("never opened organization 'never-seen'"), std::string::npos) << out;
  EXPECT_EQ(out.find("/usr/include"), std::string::npos) << out;
  EXPECT_EQ(out.find("boost"), std::string::npos) << out;
  proxy.restore();
  // The next run sends both and says how each ended.
  EXPECT_EQ(cli_with_errors({"watch", "--org", slug, "--seconds", "3"}, &out, proxy.port()), 0);
  EXPECT_NE(out.find("queued earlier: set page seen name: saved on the server"), std::string::npos)
      << out;
  EXPECT_NE(out.find("queued earlier: set page unseen name: conflict — the server has \"Theirs\""),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("resolve it with `syncline-cli conflicts --org " + slug + "`"),
            std::string::npos)
      << out;
  EXPECT_EQ(sql_value("SELECT name FROM pages WHERE id = 'seen'"), "Mine");
  EXPECT_EQ(sql_value("SELECT name FROM pages WHERE id = 'unseen'"), "Theirs");
}

}  // namespace syncline::test
