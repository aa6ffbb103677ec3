// A test suite with a CDC worker process (started once per suite, stopped with it; the slot
// it created is dropped) and, per test, a fresh admin user and organization.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/fixtures.h"

namespace syncline::test {

// `syncline cdc` with these flags, started once its slot exists (else the test fails).
inline Process* start_cdc_worker(std::vector<std::string> flags = {}) {
  flags.insert(flags.begin(), "cdc");
  auto* worker = new Process(db_url(), flags);
  EXPECT_TRUE(
      wait_until([] { return sql_value("SELECT count(*) FROM pg_replication_slots") == "1"; },
                 std::chrono::seconds(30)))
      << worker->log();
  return worker;
}

// Stops it (by pid) and drops the slot it leaves.
inline void stop_cdc_worker(Process*& worker) {
  delete worker;
  worker = nullptr;
  sql_value(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
}

class WithCdcWorker : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { worker_ = start_cdc_worker(); }
  static void TearDownTestSuite() { stop_cdc_worker(worker_); }
  void SetUp() override {
    admin_ = sign_up(http_, "Admin");
    org_ = std::string(create_org(http_, admin_)["id"].as_string());
    base_ = "/organizations/" + org_;
  }

  static inline Process* worker_ = nullptr;
  Http http_ = api();
  TestUser admin_;
  std::string org_, base_;
};

// The same, with a fresh directory per test for client data dirs (removed after the test).
class WithCdcWorkerAndDir : public WithCdcWorker {
 protected:
  void SetUp() override {
    WithCdcWorker::SetUp();
    dir_ = make_temp_dir("syncline-client-test");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

}  // namespace syncline::test
