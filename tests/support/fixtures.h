// Shared integration-test set-up: one cluster + server per test binary (a gtest
// Environment), and helpers that create uniquely named users, orgs and transaction ids so
// tests never collide.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/cluster.h"
#include "support/http_client.h"

namespace syncline::test {

class ServerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
  static ServerEnvironment& get();
  Cluster& cluster() { return *cluster_; }
  Server& server() { return *server_; }
  Http http() const { return Http(server_->port()); }

 private:
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<Server> server_;
};

inline Http api() {
  return ServerEnvironment::get().http();
}
inline const std::string& db_url() {
  return ServerEnvironment::get().cluster().url();
}

struct TestUser {
  std::string id;
  std::string email;
  std::string token;
};
TestUser sign_up(const Http& http, const std::string& name = "Test User");
// Creates an org owned by `owner`; returns {id, slug, ...}.
boost::json::object create_org(const Http& http, const TestUser& owner);
// Makes `user` a member with the role as a client does: the admin invites the user id, the user
// accepts (SEC-050); throws on any other answer.
void add_member(const Http& http, const TestUser& admin, const std::string& org_id,
                const TestUser& user, const std::string& role);
// A fresh, valid, unique HLC transaction id from this process's node.
std::string next_tx_id();
std::string unique(const std::string& prefix);
// Runs SQL against the test cluster and returns the first column of the first row ("" if
// no rows).
std::string sql_value(const std::string& sql, const std::string& url = "");
// Every row's first column ("" for NULL), in the order the query gives them.
std::vector<std::string> sql_column(const std::string& sql, const std::string& url = "");
// The test cluster's URL for another role (e.g. "postgres", the superuser).
std::string db_url_as(const std::string& role);
// Every row of a table as one digest ("<count>:<md5>"): whether anything in it changed.
std::string table_checksum(const std::string& table, const std::string& url);

// A database of its own on the test cluster, owned by the test role; dropped at the end with
// the replication slot named like it (tests of an install beside an app, or of an old one).
class ScratchDatabase {
 public:
  explicit ScratchDatabase(const std::string& prefix);
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }  // also the slot name to use

 private:
  std::string name_;
  std::string url_;
};

// Polls `pred` every 20 ms until it holds or the deadline passes; returns whether it held.
bool wait_until(const std::function<bool()>& pred,
                std::chrono::milliseconds deadline = std::chrono::seconds(10));

}  // namespace syncline::test
