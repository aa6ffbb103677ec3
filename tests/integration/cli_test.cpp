// syncline-cli end to end: login, orgs, pages list/get/create/set/delete and watch, against
// the real server (the client library's first user).
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <thread>

#include "support/cdc_fixture.h"
#include "support/mutations.h"

namespace syncline::test {

class Cli : public WithCdcWorker {
 protected:
  void SetUp() override {
    WithCdcWorker::SetUp();
    dir_ = make_temp_dir("syncline-cli");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  int cli(std::vector<std::string> args, std::string* out = nullptr) {
    std::vector<std::string> argv{SYNCLINE_CLI_BINARY, "--server",
                                  "http://127.0.0.1:" + std::to_string(http_.port()), "--data-dir",
                                  dir_};
    for (auto& a : args) argv.push_back(std::move(a));
    return run_command(argv, out);
  }
  std::string dir_;
};

TEST_F(Cli, SignsInAndManagesPages) {
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

TEST_F(Cli, WatchPrintsChangesAsTheyHappen) {
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

}  // namespace syncline::test
