// A bounded activity log (DESIGN §18, DATA-SCALE-004): with --activity-retention the active
// worker prunes the oldest activities in batches and records each org's floor first; offsets
// below an org's own floor get 409 OFFSET_INVALID (JSON) or `event: reset` (SSE), `now` and a
// snapshot's offset never fall below it; a native client that was offline, or whose stream
// dropped, while the floor moved past it resets, loads a snapshot, keeps its outbox and
// converges with the table.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <thread>

#include "support/cdc_fixture.h"
#include "support/fixtures.h"
#include "support/mutations.h"
#include "support/snapshot.h"
#include "support/sse_client.h"
#include "support/tcp_proxy.h"
#include "syncline/client.h"

namespace syncline::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int kKeep = 300;  // --activity-retention: the newest 300 activities of all orgs
// Whole partitions (kKeep / 8 ids, at least 64) are dropped: the log keeps its retention and at
// most one partition more.
constexpr int kWidth = std::max(kKeep / 8, 64);

int logged() {
  return std::stoi(sql_value("SELECT count(*) FROM activities"));
}

class Retention : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    worker_ = start_cdc_worker({"--activity-retention", std::to_string(kKeep)});
  }
  static void TearDownTestSuite() { stop_cdc_worker(worker_); }
  void SetUp() override {
    admin_ = sign_up(http_, "Admin");
    org_ = std::string(create_org(http_, admin_)["id"].as_string());
    dir_ = make_temp_dir("syncline-retention");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void create(const std::string& id, const std::string& name) {
    auto r = http_.send("POST", "/organizations/" + org_ + "/pages",
                        create_body({{"id", id}, {"name", name}}, next_tx_id()), admin_.token);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // Another org's bulk insert, logged by the worker: it pushes this org's activities out.
  void push_out() {
    auto other = sign_up(http_, "Other");
    auto org = std::string(create_org(http_, other)["id"].as_string());
    sql_value("INSERT INTO pages (id, organization_id, name) SELECT 'b' || g, '" + org +
              "', 'bulk' FROM generate_series(1, " + std::to_string(2 * kKeep) + ") g");
    // Logged once the worker acknowledged past it (its activities are committed by then; the
    // pruner may already have removed some, so they are not counted).
    const auto lsn = sql_value("SELECT pg_current_wal_lsn()");
    ASSERT_TRUE(wait_until(
        [&] {
          return sql_value(
                     "SELECT count(*) FROM pg_replication_slots WHERE confirmed_flush_lsn"
                     " >= '" +
                     lsn + "'::pg_lsn") == "1";
        },
        60s));
  }
  std::int64_t floor() {
    auto v = sql_value("SELECT floor FROM activity_floors WHERE organization_id = '" + org_ + "'");
    return v.empty() ? 0 : std::stoll(v);
  }
  std::int64_t head() {
    auto r = http_.get("/organizations/" + org_ + "/live?offset=now", admin_.token);
    return std::stoll(r.headers["stream-next-offset"]);
  }
  std::map<std::string, std::string> table() {
    std::map<std::string, std::string> out;
    for (const auto& row : sql_column("SELECT id || '=' || name FROM pages WHERE"
                                      " organization_id = '" +
                                      org_ + "'")) {
      auto eq = row.find('=');
      out[row.substr(0, eq)] = row.substr(eq + 1);
    }
    return out;
  }
  std::map<std::string, std::string> cache(client::Client& c) {
    std::map<std::string, std::string> out;
    for (const auto& e : c.list("page"))
      out[std::string(e.at("id").as_string())] = std::string(e.at("name").as_string());
    return out;
  }

  static inline Process* worker_ = nullptr;
  Http http_ = api();
  TestUser admin_;
  std::string org_, dir_;
};

TEST_F(Retention, TheFloorMovesFirstAndOffsetsBelowItResetDATASCALE004) {
  for (int i = 0; i < 20; ++i) create("r" + std::to_string(i), "v" + std::to_string(i));
  // All 20 logged (on a loaded box the worker may still be behind the writes), so the offset
  // below names a real point halfway through them.
  ASSERT_TRUE(wait_until([&] {
    return sql_value("SELECT count(*) FROM activities WHERE organization_id = '" + org_ + "'") ==
           "20";
  }));
  const auto old_offset = head() - 10;  // a client that saw half of them
  push_out();
  // The worker prunes within a second or so; this org's 20 activities were the oldest.
  ASSERT_TRUE(wait_until([&] { return floor() >= old_offset + 10; }, 30s));
  EXPECT_EQ(sql_value("SELECT count(*) FROM activities WHERE organization_id = '" + org_ +
                      "' AND id <= " + std::to_string(floor())),
            "0");
  EXPECT_TRUE(wait_until([] { return logged() <= kKeep + kWidth; }));
  // JSON catch-up below the floor: 409; at it: fine. SSE below it: reset.
  auto below = http_.get("/organizations/" + org_ + "/live?offset=" + std::to_string(old_offset),
                         admin_.token);
  EXPECT_EQ(below.status, 409);
  EXPECT_EQ(below.error_code(), "OFFSET_INVALID");
  EXPECT_EQ(
      http_.get("/organizations/" + org_ + "/live?offset=" + std::to_string(floor()), admin_.token)
          .status,
      200);
  SseClient sse(http_.port(), "/organizations/" + org_ + "/live?live=sse", admin_.token,
                {{"Last-Event-ID", std::to_string(old_offset)}});
  EXPECT_TRUE(sse.next_of("reset", 10s));
  // `now` and a snapshot's offset are never below the floor, though nothing of the org is left.
  EXPECT_GE(head(), floor());
  auto snap = read_snapshot(http_, org_, admin_.token);
  ASSERT_TRUE(snap.last);
  EXPECT_GE(snap.last->at("offset").as_int64(), floor());
  EXPECT_EQ(snap.entities.size(), 20u);
}

TEST_F(Retention, AClientOfflineAcrossTheFloorReloadsKeepsItsOutboxAndConvergesDATASCALE004) {
  for (int i = 0; i < 5; ++i) create("c" + std::to_string(i), "first");
  TcpProxy proxy(http_.port());
  client::ClientOptions o;
  o.port = proxy.port();
  o.token = admin_.token;
  o.org_id = org_;
  o.data_dir = dir_ + "/client";
  std::string offline_tx;
  {
    client::Client c(o);
    ASSERT_TRUE(c.start(30s));
    ASSERT_TRUE(wait_until([&] { return cache(c).size() == 5; }));
    proxy.cut();  // the laptop goes offline; an edit waits in the outbox
    offline_tx = c.update("page", "c1", {{"name", "edited offline"}}).front();
    EXPECT_EQ(c.outbox().entries(org_).size(), 1u);
  }  // the app closes, its offset stored
  // Meanwhile others write, and the log moves on past the client's position.
  create("c9", "made while it was away");
  auto cur = http_.get("/organizations/" + org_ + "/pages/c2", admin_.token).json();
  auto expected = cur.at("fieldTx").as_object().if_contains("name");
  ASSERT_EQ(http_
                .send("PATCH", "/organizations/" + org_ + "/pages/c2",
                      update_body(
                          "name", json::value("renamed by another"), next_tx_id(),
                          expected ? std::optional<std::string>(std::string(expected->as_string()))
                                   : std::nullopt),
                      admin_.token)
                .status,
            200);
  ASSERT_TRUE(wait_until([&] { return head() > 0; }));
  const auto head_before = head();
  push_out();
  ASSERT_TRUE(wait_until([&] { return floor() >= head_before; }, 30s));
  // Back online: its offset is below the floor, so the stream resets; it loads a snapshot,
  // sends its edit and holds exactly the table.
  proxy.restore();
  client::Client c(o);
  ASSERT_TRUE(c.start(30s));
  EXPECT_TRUE(
      wait_until([&] { return c.state(offline_tx) == client::MutationState::kConfirmed; }, 60s));
  EXPECT_EQ(
      sql_value("SELECT name FROM pages WHERE organization_id = '" + org_ + "' AND id = 'c1'"),
      "edited offline");
  EXPECT_TRUE(wait_until([&] { return cache(c) == table(); }, 30s));
  EXPECT_EQ(cache(c)["c2"], "renamed by another");
  EXPECT_EQ(cache(c)["c9"], "made while it was away");
  EXPECT_TRUE(c.outbox().entries(org_).empty());
}

TEST_F(Retention, AStreamThatDropsWhileTheFloorPassesItResetsAndConvergesDATASCALE004) {
  for (int i = 0; i < 5; ++i) create("s" + std::to_string(i), "first");
  TcpProxy proxy(http_.port());
  client::ClientOptions o;
  o.port = proxy.port();
  o.token = admin_.token;
  o.org_id = org_;
  o.data_dir = dir_ + "/live";
  client::Client c(o);
  ASSERT_TRUE(c.start(30s));
  ASSERT_TRUE(wait_until([&] { return cache(c).size() == 5; }));
  proxy.cut();  // its stream drops; it retries with its last id
  sql_value("UPDATE pages SET name = 'changed by a job' WHERE organization_id = '" + org_ +
            "' AND id = 's3'");
  sql_value("DELETE FROM pages WHERE organization_id = '" + org_ + "' AND id = 's4'");
  ASSERT_TRUE(wait_until([&] { return head() > 0; }));
  const auto head_before = head();
  push_out();
  ASSERT_TRUE(wait_until([&] { return floor() >= head_before; }, 30s));
  proxy.restore();
  EXPECT_TRUE(wait_until([&] { return cache(c) == table(); }, 30s));
  EXPECT_EQ(cache(c).count("s4"), 0u);
  EXPECT_EQ(cache(c)["s3"], "changed by a job");
}

// A reader holding the log (a long snapshot's transaction) keeps a partition from being dropped
// — a drop waits at most 100 ms for its lock, then tries again on the next pass — but never
// stops the worker's writes; once the reader is done, the log is cut back to its retention.
TEST_F(Retention, ALongReaderDelaysTheDropNeverTheWritesDATASCALE004) {
  ASSERT_TRUE(wait_until([] { return logged() <= kKeep + kWidth; }));
  PGconn* reader = PQconnectdb(db_url().c_str());
  ASSERT_EQ(PQstatus(reader), CONNECTION_OK);
  PQclear(PQexec(reader, "BEGIN"));
  PQclear(PQexec(reader, "SELECT count(*) FROM activities WHERE id < 0"));  // holds the log
  push_out();  // 2 × kKeep activities written and acknowledged: the worker went on
  EXPECT_GT(logged(), kKeep + kWidth);  // nothing dropped while the reader holds the log
  PQclear(PQexec(reader, "COMMIT"));
  PQfinish(reader);
  EXPECT_TRUE(wait_until([] { return logged() <= kKeep + kWidth; }, 30s)) << logged();
  EXPECT_GE(logged(), kKeep);  // never below the retention
}

}  // namespace
}  // namespace syncline::test
