// The CDC worker against real logical replication: one activity per committed change with
// the right tx, changedKeys and action (CDC-001..004), NOTIFY payloads and the 7,500-byte
// cut (CDC-010..021, CON-1), doorbells, LSN discipline, standby takeover, prerequisites.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <poll.h>
#include <signal.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "support/cdc_fixture.h"
#include "support/fixtures.h"
#include "support/mutations.h"

namespace syncline::test {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
// LISTEN on syncline_activities for one test.
class ActivityListener {
 public:
  ActivityListener() : c_(PQconnectdb(db_url().c_str())) {
    PQclear(PQexec(c_, "LISTEN syncline_activities"));
  }
  ~ActivityListener() { PQfinish(c_); }
  // Raw payloads until `pred` holds on the list or the deadline passes.
  std::vector<std::string> until(const std::function<bool(const std::vector<std::string>&)>& pred,
                                 std::chrono::milliseconds deadline = 10s) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (!pred(got_) && std::chrono::steady_clock::now() < end) {
      pollfd p{PQsocket(c_), POLLIN, 0};
      poll(&p, 1, 50);
      PQconsumeInput(c_);
      while (PGnotify* n = PQnotifies(c_)) {
        got_.emplace_back(n->extra);
        PQfreemem(n);
      }
    }
    return got_;
  }

 private:
  PGconn* c_;
  std::vector<std::string> got_;
};

std::vector<json::object> payloads_for(const std::vector<std::string>& raw,
                                       const std::string& entity) {
  std::vector<json::object> out;
  for (const auto& r : raw) {
    auto o = json::parse(r).as_object();
    if (o.contains("entityId") && o["entityId"].as_string() == entity) out.push_back(o);
  }
  return out;
}

std::string activity_count(const std::string& where) {
  return sql_value("SELECT count(*) FROM activities WHERE " + where);
}
}  // namespace

class Cdc : public WithCdcWorker {
 protected:
  void SetUp() override {
    WithCdcWorker::SetUp();
    pages_ = base_ + "/pages";
    // Tests below kill and replace the worker: wait for an active one each time.
    ASSERT_TRUE(wait_until(
        [] {
          return sql_value(
                     "SELECT count(*) FROM cdc_workers WHERE state = 'active'"
                     " AND heartbeat_at > now() - interval '3 seconds'") != "0";
        },
        20s))
        << worker_->log();
  }
  std::string create(const std::string& id, json::object extra = {}) {
    auto tx = next_tx_id();
    extra["id"] = id;
    if (!extra.contains("name")) extra["name"] = "P";
    auto r = http_.send("POST", pages_, create_body(extra, tx), admin_.token);
    EXPECT_EQ(r.status, 201) << r.body;
    return tx;
  }
  std::string pages_;
};

TEST_F(Cdc, EveryApiMutationYieldsExactlyOneActivityCDC001) {
  ActivityListener listen;
  auto t1 = create("cdc-a", {{"description", "d"}});
  auto t2 = next_tx_id();
  ASSERT_EQ(http_.send("PATCH", pages_ + "/cdc-a", update_body("name", "N2", t2, t1), admin_.token)
                .status,
            200);
  auto member = sign_up(http_, "Member");
  add_member(http_, admin_, org_, member, "admin");
  auto t3 = next_tx_id();
  ASSERT_EQ(
      http_.send("DELETE", pages_ + "/cdc-a", delete_body(t3, std::nullopt), member.token).status,
      200);
  ASSERT_TRUE(wait_until([] { return activity_count("entity_id = 'cdc-a'") == "3"; }));

  auto row = [](int n, const std::string& col) {
    return sql_value("SELECT " + col +
                     " FROM activities WHERE entity_id = 'cdc-a' ORDER BY id"
                     " OFFSET " +
                     std::to_string(n) + " LIMIT 1");
  };
  EXPECT_EQ(row(0, "action"), "create");
  EXPECT_EQ(row(0, "tx->>'transactionId'"), t1);
  EXPECT_EQ(row(0, "tx->>'sourceId'"), kSource);
  // A create's keys are the fields it wrote, defaults included.
  EXPECT_EQ(row(0, "changed_keys::text"), R"(["name", "description", "status", "displayOrder"])");
  EXPECT_EQ(row(0, "user_id"), admin_.id);
  EXPECT_EQ(row(0, "organization_id"), org_);
  EXPECT_EQ(row(1, "action"), "update");
  EXPECT_EQ(row(1, "tx->>'transactionId'"), t2);
  EXPECT_EQ(row(1, "tx->>'changedField'"), "name");
  EXPECT_EQ(row(1, "changed_keys::text"), R"(["name"])");
  EXPECT_EQ(row(2, "action"), "delete");
  EXPECT_EQ(row(2, "tx->>'transactionId'"), t3);  // the deleter's txId (CDC-002)
  EXPECT_EQ(row(2, "user_id"), member.id);
  EXPECT_EQ(row(2, "changed_keys::text"), "[]");

  // The NOTIFYs carry the activity and, for create/update, the entity.
  auto got = payloads_for(
      listen.until([](auto& v) { return payloads_for(v, "cdc-a").size() >= 3; }), "cdc-a");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0]["orgId"].as_string(), org_);
  EXPECT_EQ(std::to_string(got[0]["activityId"].as_int64()),
            sql_value("SELECT min(id) FROM activities WHERE entity_id = 'cdc-a'"));
  auto& entity = got[1]["entity"].as_object();
  EXPECT_EQ(entity["data"].as_object()["name"].as_string(), "N2");
  EXPECT_EQ(entity["fieldTx"].as_object()["name"].as_string(), t2);
  EXPECT_EQ(got[1]["tx"].as_object()["transactionId"].as_string(), t2);
  EXPECT_TRUE(got[2]["entity"].as_object()["data"].is_null());
  // SEC-012: the payload's data holds registry fields only.
  for (auto& kv : entity["data"].as_object()) {
    std::string k(kv.key());
    EXPECT_TRUE(k == "id" || k == "organizationId" ||
                http_.get("/openapi.json").body.find("\"" + k + "\"") != std::string::npos)
        << k;
  }
}

TEST_F(Cdc, MultiRowTransactionsKeepOrderAndBypassWritesGetRowTxCDC003) {
  sql_value(
      "BEGIN;"
      " INSERT INTO pages(id, organization_id, name) VALUES ('bulk-1', '" +
      org_ +
      "', 'one');"
      " INSERT INTO pages(id, organization_id, name, tx) VALUES ('bulk-2', '" +
      org_ +
      "', 'two', '{\"transactionId\":\"1764081234567.0000.job\",\"sourceId\":\"job\","
      "\"changedField\":null}');"
      " UPDATE pages SET description = 'changed' WHERE id = 'bulk-1';"
      " UPDATE pages SET modified_at = now() WHERE id = 'bulk-2';"
      " COMMIT;");
  ASSERT_TRUE(wait_until([] { return activity_count("entity_id LIKE 'bulk-%'") == "4"; }));
  EXPECT_EQ(sql_value("SELECT string_agg(entity_id || ':' || action || ':' || seq, ',' ORDER BY id)"
                      " FROM activities WHERE entity_id LIKE 'bulk-%'"),
            "bulk-1:create:0,bulk-2:create:1,bulk-1:update:2,bulk-2:update:3");
  EXPECT_EQ(sql_value("SELECT count(DISTINCT lsn) FROM activities WHERE entity_id LIKE 'bulk-%'"),
            "1");
  EXPECT_EQ(sql_value("SELECT coalesce(tx::text, 'null') FROM activities WHERE entity_id = 'bulk-1'"
                      " AND action = 'create'"),
            "null");
  EXPECT_EQ(sql_value("SELECT tx->>'transactionId' FROM activities WHERE entity_id = 'bulk-2'"
                      " AND action = 'create'"),
            "1764081234567.0000.job");
  // bulk-2's update did not change tx: null; and only bookkeeping changed: no keys.
  EXPECT_EQ(sql_value("SELECT coalesce(tx::text, 'null') || changed_keys::text FROM activities"
                      " WHERE entity_id = 'bulk-2' AND action = 'update'"),
            "null[]");
  EXPECT_EQ(sql_value("SELECT changed_keys::text FROM activities WHERE entity_id = 'bulk-1'"
                      " AND action = 'update'"),
            R"(["description"])");
}

TEST_F(Cdc, PayloadDropsEntityJustOver7500BytesCDC010) {
  ActivityListener listen;
  create("big");
  std::optional<std::string> last;  // the description's last txId
  auto update_description = [&](const std::string& text) {
    auto tx = next_tx_id();
    auto r = http_.send("PATCH", pages_ + "/big",
                        update_body("description", json::value(text), tx, last), admin_.token);
    last = tx;
    EXPECT_EQ(r.status, 200) << r.body.substr(0, 200);
    auto got = listen.until([&](auto& v) {
      for (auto& p : payloads_for(v, "big"))
        if (p["tx"].is_object() && p["tx"].as_object()["transactionId"].as_string() == tx)
          return true;
      return false;
    });
    for (auto& raw : got) {
      auto p = json::parse(raw).as_object();
      if (p["entityId"] == "big" && p["tx"].is_object() &&
          p["tx"].as_object()["transactionId"].as_string() == tx)
        return std::make_pair(raw, p);
    }
    ADD_FAILURE() << "no payload for " << tx;
    return std::make_pair(std::string(), json::object{});
  };
  auto digits = [](const json::object& p) {
    return std::to_string(p.at("activityId").as_int64()).size();
  };
  // Multi-byte text: "é" is 2 bytes; sizes count bytes, not characters.
  auto text_of = [](std::size_t bytes) {
    return std::string(bytes % 2, 'a') + [&] {
      std::string s;
      for (std::size_t i = 0; i < bytes / 2; ++i) s += "é";
      return s;
    }();
  };
  // The old description rides along in `before` (SHAPE-021) only when short (<= 256 bytes):
  // each measured update follows a long one, so its payload has no `before`.
  update_description(text_of(401));  // another text: the next one changes the field
  // Measure the payload without the description's bytes.
  auto [raw1, p1] = update_description(text_of(400));
  ASSERT_FALSE(p1["entity"].is_null());
  EXPECT_FALSE(p1.contains("before"));
  std::size_t base = raw1.size() - 400 - digits(p1);
  // The next activity id (one writer, no other writes in this cluster now) decides the digits.
  auto next_digits = [] {
    return sql_value("SELECT length((coalesce(max(id), 0) + 1)::text) FROM activities");
  };
  auto [raw2, p2] = update_description(text_of(7500 - base - std::stoul(next_digits())));
  ASSERT_EQ(raw2.size(), 7500u) << "a payload of exactly 7,500 bytes keeps its entity";
  EXPECT_FALSE(p2["entity"].is_null());
  auto [raw3, p3] = update_description(text_of(7501 - base - std::stoul(next_digits())));
  EXPECT_TRUE(p3["entity"].is_null()) << "7,501 bytes drops the entity";
  EXPECT_LT(raw3.size(), 1000u);
  EXPECT_EQ(p3["changedKeys"].as_array().size(), 1u);
  // A short old value rides along, for routing a shape's leave (SHAPE-021).
  update_description("b");
  auto [raw4, p4] = update_description("c");
  ASSERT_TRUE(p4.contains("before")) << raw4;
  EXPECT_EQ(p4["before"], json::parse(R"({"description":"b"})"));
}

TEST_F(Cdc, MoreThan100ActivitiesOfAnOrgInOneCommitRingOneDoorbellAB003) {
  ActivityListener listen;
  sql_value("INSERT INTO pages(id, organization_id, name) SELECT 'bell-' || g, '" + org_ +
            "', 'p' FROM generate_series(1, 150) g");
  ASSERT_TRUE(wait_until([] { return activity_count("entity_id LIKE 'bell-%'") == "150"; }));
  auto got = listen.until([&](auto& v) {
    for (auto& r : v)
      if (r.find("fromActivityId") != std::string::npos && r.find(org_) != std::string::npos)
        return true;
    return false;
  });
  std::vector<json::object> bells;
  int singles = 0;
  for (auto& r : got) {
    auto o = json::parse(r).as_object();
    if (o["orgId"].as_string() != org_) continue;
    if (o.contains("fromActivityId"))
      bells.push_back(o);
    else
      ++singles;
  }
  ASSERT_EQ(bells.size(), 1u);
  EXPECT_EQ(singles, 0);
  EXPECT_EQ(std::to_string(bells[0]["fromActivityId"].as_int64()),
            sql_value("SELECT min(id) FROM activities WHERE entity_id LIKE 'bell-%'"));
  EXPECT_EQ(std::to_string(bells[0]["toActivityId"].as_int64()),
            sql_value("SELECT max(id) FROM activities WHERE entity_id LIKE 'bell-%'"));
}

TEST_F(Cdc, IdleSlotFollowsWalEndAndTruncateIsSurvivedCDC004) {
  // Writes to unpublished tables only: the slot's confirmed position still advances.
  auto before = sql_value("SELECT pg_current_wal_lsn()");
  for (int i = 0; i < 3; ++i) sign_up(http_);
  EXPECT_TRUE(wait_until(
      [&] {
        return sql_value("SELECT confirmed_flush_lsn >= '" + before +
                         "'::pg_lsn FROM pg_replication_slots"
                         " WHERE slot_name = 'syncline_slot'") == "t";
      },
      70s));
  sql_value("CREATE TABLE IF NOT EXISTS scratch_truncate(x int)");
  sql_value("TRUNCATE attachments");
  create("after-truncate");
  EXPECT_TRUE(wait_until([] { return activity_count("entity_id = 'after-truncate'") == "1"; }));
  EXPECT_TRUE(worker_->running());
}

TEST_F(Cdc, AStandbyTakesOverWithinSecondsAfterSigkillCDC004) {
  Process standby(db_url(), {"cdc"});
  ASSERT_TRUE(wait_until([] {
    return sql_value(
               "SELECT count(*) FROM cdc_workers WHERE state = 'standby'"
               " AND heartbeat_at > now() - interval '3 seconds'") != "0";
  }));
  // Writes before, during and after the failover: none lost, none twice.
  for (int i = 0; i < 20; ++i) create("fo-before-" + std::to_string(i));
  auto killed_at = std::chrono::steady_clock::now();
  worker_->signal_and_wait(SIGKILL);
  for (int i = 0; i < 20; ++i) create("fo-after-" + std::to_string(i));
  bool took_over = wait_until([] { return activity_count("entity_id LIKE 'fo-%'") == "40"; }, 30s);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  killed_at)
                .count();
  EXPECT_TRUE(took_over) << standby.log();
  EXPECT_EQ(sql_value("SELECT count(DISTINCT tx->>'transactionId') FROM activities"
                      " WHERE entity_id LIKE 'fo-%'"),
            "40");
  std::cout << "[ measure ] standby took over and delivered in " << ms << " ms" << std::endl;
  EXPECT_LT(ms, 30000);
  // Hand the role back to a suite-owned worker for the tests that follow.
  delete worker_;
  worker_ = new Process(db_url(), {"cdc"});
  standby.signal_and_wait(SIGTERM);
}

TEST(CdcPrerequisites, ARoleWithoutReplicationGetsAClearErrorCDC003) {
  sql_value(
      "DO $$ BEGIN CREATE ROLE norepl LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
      db_url_as("postgres"));
  Process p(db_url_as("norepl"), {"cdc"});
  ASSERT_TRUE(wait_until([&] { return !p.running(); }));
  EXPECT_NE(p.log().find("REPLICATION"), std::string::npos) << p.log();
}

}  // namespace syncline::test

namespace syncline::test {

TEST_F(Cdc, TheActiveWorkerPrunesIdempotencyRecordsAfter30DaysAPI030) {
  sql_value(
      "INSERT INTO applied_transactions(transaction_id, user_id, organization_id,"
      " entity_type, entity_id, action, source_id, created_at) VALUES"
      " ('1700000000000.0000.old', 'u-old', 'o', 'page', 'gone', 'create', 's',"
      "  now() - interval '31 days'),"
      " ('1700000000000.0001.old', 'u-old', 'o', 'page', 'kept', 'create', 's',"
      "  now() - interval '29 days')");
  delete worker_;  // a new active worker prunes when it starts, then hourly
  worker_ = new Process(db_url(), {"cdc"});
  EXPECT_TRUE(wait_until(
      [] {
        return sql_value("SELECT count(*) FROM applied_transactions WHERE user_id = 'u-old'") ==
               "1";
      },
      30s))
      << worker_->log();
  EXPECT_EQ(sql_value("SELECT entity_id FROM applied_transactions WHERE user_id = 'u-old'"),
            "kept");
}

}  // namespace syncline::test

namespace syncline::test {

TEST_F(Cdc, AnyApiNodeReportsTheWorkerSlotAndQueueCDC010) {
  create("health-probe");
  ASSERT_TRUE(wait_until([] { return activity_count("entity_id = 'health-probe'") == "1"; }));
  auto r = http_.get("/health/sync");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = r.json().as_object();
  EXPECT_EQ(body["status"].as_string(), "ok");
  EXPECT_TRUE(body["cdc"].as_object()["active"].as_bool());
  auto& slot = body["slot"].as_object();
  EXPECT_EQ(slot["name"].as_string(), "syncline_slot");
  // Real figures, not placeholders: a caught-up slot retains little WAL, the queue is a fraction.
  const auto retained = slot["retainedWalBytes"].as_int64();
  EXPECT_GE(retained, 0);
  EXPECT_LT(retained, std::int64_t{1} << 30);
  const auto queue = body["notifyQueueUsage"].to_number<double>();
  EXPECT_GE(queue, 0.0);
  EXPECT_LE(queue, 1.0);
  auto m = http_.get("/metrics");
  EXPECT_NE(m.body.find("syncline_cdc_active 1"), std::string::npos);
  EXPECT_NE(m.body.find("syncline_cdc_lag_bytes "), std::string::npos);
}

}  // namespace syncline::test
