// Big source transactions through pgoutput proto 2 streaming (DESIGN §12, §17; issue 16 item
// 3), against real logical replication with a worker whose walsender streams past 64 kB of
// decoded changes: a big transaction lands exactly once, in order, numbered as if decoded
// whole; a rolled-back one and a rolled-back savepoint leave no activity; a worker killed while
// writing one replays it without a duplicate; the worker's memory does not grow with the
// transaction (its activities wait on disk until the commit).
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "support/fixtures.h"

namespace syncline::test {

using namespace std::chrono_literals;

namespace {
std::unique_ptr<Process> streaming_worker() {
  return std::make_unique<Process>(db_url(),
                                   std::vector<std::string>{"cdc", "--decoding-work-mem", "64",
                                                            // one activity per row, however big
                                                            "--bulk-threshold", "0"});
}

std::string count_of(const std::string& like) {
  return sql_value("SELECT count(*) FROM activities WHERE entity_id LIKE '" + like + "'");
}

// Transactions the slot has streamed so far (pg_stat_replication_slots, PostgreSQL 14+).
long streamed_txns() {
  return std::stol(
      sql_value("SELECT coalesce(sum(stream_txns), 0) FROM pg_stat_replication_slots"));
}

// Peak resident memory of a process (kB).
long peak_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::string insert_rows(const std::string& org, const std::string& prefix, int from, int to) {
  return "INSERT INTO pages(id, organization_id, name, description) SELECT '" + prefix +
         "' || g, '" + org + "', 'p' || g, repeat('x', 200) FROM generate_series(" +
         std::to_string(from) + ", " + std::to_string(to) + ") g;";
}

// Every activity of the prefix once, created, numbered 0..n-1 in id order, one commit LSN.
void expect_once_in_order(const std::string& prefix, int n) {
  const std::string where = " FROM activities WHERE entity_id LIKE '" + prefix + "%'";
  EXPECT_EQ(sql_value("SELECT count(*)" + where), std::to_string(n));
  EXPECT_EQ(sql_value("SELECT count(DISTINCT entity_id)" + where), std::to_string(n));
  EXPECT_EQ(sql_value("SELECT count(DISTINCT lsn)" + where), "1");
  EXPECT_EQ(sql_value("SELECT bool_and(action = 'create')" + where), "t");
  // seq follows id order and counts from 0 without a gap.
  EXPECT_EQ(sql_value("SELECT count(*) FROM (SELECT seq, row_number() OVER (ORDER BY id) - 1 AS r" +
                      where + ") x WHERE seq <> r"),
            "0");
}
}  // namespace

class CdcStream : public ::testing::Test {
 protected:
  void SetUp() override {
    worker_ = streaming_worker();
    ASSERT_TRUE(wait_until(
        [] {
          return sql_value(
                     "SELECT count(*) FROM cdc_workers WHERE state = 'active'"
                     " AND heartbeat_at > now() - interval '3 seconds'") != "0";
        },
        30s))
        << worker_->log();
    auto http = api();
    admin_ = sign_up(http, "Admin");
    org_ = std::string(create_org(http, admin_)["id"].as_string());
  }
  void TearDown() override {
    worker_.reset();
    sql_value(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
  }
  std::unique_ptr<Process> worker_;
  TestUser admin_;
  std::string org_;
};

TEST_F(CdcStream, ABigTransactionIsStreamedAndLandsOnceInOrderWithBoundedMemoryCDC001) {
  const int n = 100'000;
  const long streamed_before = streamed_txns();
  const long idle_kb = peak_kb(worker_->pid());
  sql_value("BEGIN; " + insert_rows(org_, "big-", 1, n) + " COMMIT;");
  ASSERT_TRUE(wait_until([&] { return count_of("big-%") == std::to_string(n); }, 180s))
      << count_of("big-%") << " of " << n << "\n"
      << worker_->log();
  EXPECT_GT(streamed_txns(), streamed_before) << "Postgres did not stream the transaction";
  expect_once_in_order("big-", n);
  // 100,000 activities of ~0.6 kB held in memory would be well over 100 MB; spilled, the worker
  // holds one stream block and one written chunk at a time.
  const long peak = peak_kb(worker_->pid());
#if defined(__SANITIZE_ADDRESS__)
  // ASan's allocator keeps freed memory in quarantine: RSS says nothing about ours here.
  std::cout << "(the memory bound is not asserted under AddressSanitizer)\n";
#else
  EXPECT_LT(peak - idle_kb, 64 * 1024) << "idle " << idle_kb << " kB, peak " << peak << " kB";
#endif
  std::cout << "worker peak memory: idle " << idle_kb << " kB, after " << n << " rows " << peak
            << " kB\n";
}

TEST_F(CdcStream, ARolledBackTransactionAndSavepointLeaveNoActivityCDC001) {
  const long streamed_before = streamed_txns();
  sql_value("BEGIN; " + insert_rows(org_, "undone-", 1, 20'000) + " ROLLBACK;");
  sql_value("BEGIN; " + insert_rows(org_, "kept-a-", 1, 5'000) + " SAVEPOINT s; " +
            insert_rows(org_, "dropped-", 1, 20'000) + " ROLLBACK TO SAVEPOINT s; " +
            insert_rows(org_, "kept-b-", 1, 5'000) + " COMMIT;");
  sql_value("INSERT INTO pages(id, organization_id, name) VALUES ('marker', '" + org_ + "', 'm')");
  ASSERT_TRUE(wait_until([&] { return count_of("marker") == "1"; }, 120s)) << worker_->log();
  EXPECT_GE(streamed_txns(), streamed_before + 2) << "Postgres did not stream both";
  EXPECT_EQ(count_of("undone-%"), "0");
  EXPECT_EQ(count_of("dropped-%"), "0");
  EXPECT_EQ(count_of("kept-a-%"), "5000");
  EXPECT_EQ(count_of("kept-b-%"), "5000");
  // Numbered without the rolled-back savepoint's rows, as a transaction decoded whole is.
  EXPECT_EQ(sql_value("SELECT min(seq) || ',' || max(seq) FROM activities"
                      " WHERE entity_id LIKE 'kept-%'"),
            "0,9999");
}

TEST_F(CdcStream, AWorkerKilledWhileWritingAStreamedTransactionReplaysItOnceCDC004) {
  const int n = 60'000;
  sql_value("BEGIN; " + insert_rows(org_, "crash-", 1, n) + " COMMIT;");
  // Killed once some chunks are written and before the last one: the slot was not acknowledged.
  ASSERT_TRUE(wait_until([&] { return count_of("crash-%") != "0"; }, 120s)) << worker_->log();
  worker_->signal_and_wait(SIGKILL);
  const auto written = std::stol(count_of("crash-%"));
  worker_ = streaming_worker();
  ASSERT_TRUE(wait_until([&] { return count_of("crash-%") == std::to_string(n); }, 180s))
      << count_of("crash-%") << " after " << written << " at the kill\n"
      << worker_->log();
  expect_once_in_order("crash-", n);
  std::cout << "killed with " << written << " of " << n << " written\n";
}

}  // namespace syncline::test
