// Fault test of DESIGN §10 / issue 3: concurrent writers perform ≥ 5,000 mutations while the
// CDC worker is killed with SIGKILL at random moments (≥ 5 times) and restarted; afterwards
// the activity log holds exactly one row per committed change, in commit order.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <random>
#include <thread>

#include "support/fixtures.h"
#include "support/mutations.h"

namespace syncline::test {

using namespace std::chrono_literals;

TEST(CdcFault, SigkilledWorkerNeitherLosesNorDuplicatesActivitiesCDC004) {
  auto http = api();
  auto admin = sign_up(http, "Admin");
  std::string org(create_org(http, admin)["id"].as_string());
  const std::string pages = "/organizations/" + org + "/pages";

  auto worker = std::make_unique<Process>(db_url(), std::vector<std::string>{"cdc"});
  // Changes committed before the slot exists belong to no epoch: start writing once it does.
  ASSERT_TRUE(
      wait_until([] { return sql_value("SELECT count(*) FROM pg_replication_slots") == "1"; }, 30s))
      << worker->log();
  constexpr int kWriters = 8, kMinMutations = 5000, kMinKills = 5;
  std::atomic<int> mutations{0}, kills{0}, failures{0};
  std::atomic<bool> writers_done{false};

  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      int page = 0;
      while (mutations < kMinMutations || kills < kMinKills) {
        std::string id = "fault-" + std::to_string(w) + "-" + std::to_string(page++);
        auto last = next_tx_id();
        if (http.send("POST", pages, create_body({{"id", id}, {"name", "v0"}}, last), admin.token)
                .status != 201) {
          ++failures;
          continue;
        }
        ++mutations;
        for (int k = 1; k <= 20; ++k) {
          auto tx = next_tx_id();
          auto r =
              http.send("PATCH", pages + "/" + id,
                        update_body("name", boost::json::value("v" + std::to_string(k)), tx, last),
                        admin.token);
          if (r.status != 200) {
            ++failures;
            break;
          }
          last = tx;
          ++mutations;
        }
        if (page % 3 == 0) {
          if (http.send("DELETE", pages + "/" + id, delete_body(next_tx_id(), last), admin.token)
                  .status == 200)
            ++mutations;
          else
            ++failures;
        }
      }
    });
  }
  std::thread killer([&] {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> pause_ms(200, 1200);
    while (!writers_done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
      if (writers_done) break;
      worker->signal_and_wait(SIGKILL);
      ++kills;
      worker = std::make_unique<Process>(db_url(), std::vector<std::string>{"cdc"});
    }
  });
  for (auto& t : writers) t.join();
  writers_done = true;
  killer.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(mutations.load(), kMinMutations);
  EXPECT_GE(kills.load(), kMinKills);
  std::cout << "[ measure ] " << mutations << " mutations, " << kills << " SIGKILLs" << std::endl;

  const std::string applied =
      "SELECT count(*) FROM applied_transactions WHERE organization_id = '" + org + "'";
  const std::string logged =
      "SELECT count(*) FROM activities WHERE organization_id = '" + org + "'";
  ASSERT_EQ(sql_value(applied), std::to_string(mutations.load()));
  auto caught_up = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until([&] { return sql_value(logged) == sql_value(applied); }, 120s))
      << sql_value(logged) << " activities for " << sql_value(applied) << " mutations\n"
      << sql_value(
             "SELECT string_agg(id || ' ' || state || ' ' || coalesce(last_lsn::text, '-')"
             " || ' ' || heartbeat_at, E'\\n') FROM cdc_workers")
      << "\nslot: "
      << sql_value(
             "SELECT active || ' ' || confirmed_flush_lsn || ' wal ' || pg_current_wal_lsn()"
             " FROM pg_replication_slots")
      << "\nmissing: "
      << sql_value(
             "SELECT string_agg(transaction_id || ' ' || action || ' ' || entity_id, ', ')"
             " FROM (SELECT * FROM applied_transactions a WHERE NOT EXISTS (SELECT 1 FROM"
             " activities v WHERE v.tx->>'transactionId' = a.transaction_id) LIMIT 5) m")
      << "\nworker log:\n"
      << worker->log();
  std::cout << "[ measure ] caught up "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - caught_up)
                   .count()
            << " ms after the last write" << std::endl;
  // Exactly once: every committed mutation has its activity, none twice.
  EXPECT_EQ(
      sql_value("SELECT count(*) FROM applied_transactions a WHERE organization_id = '" + org +
                "' AND NOT EXISTS (SELECT 1 FROM activities v"
                " WHERE v.tx->>'transactionId' = a.transaction_id)"),
      "0");
  EXPECT_EQ(sql_value("SELECT count(*) - count(DISTINCT tx->>'transactionId') FROM activities"
                      " WHERE organization_id = '" +
                      org + "'"),
            "0");
  // Commit order: ids increase with the source position.
  EXPECT_EQ(sql_value("SELECT count(*) FROM (SELECT lsn, seq, lag(lsn) OVER w AS pl,"
                      " lag(seq) OVER w AS ps FROM activities WINDOW w AS (ORDER BY id)) x"
                      " WHERE (pl, ps) >= (lsn, seq)"),
            "0");
  // A page's activities follow its own write order.
  EXPECT_EQ(
      sql_value("SELECT count(*) FROM (SELECT action, lag(action) OVER (PARTITION BY entity_id"
                " ORDER BY id) AS prev FROM activities WHERE organization_id = '" +
                org + "') x WHERE action = 'create' AND prev IS NOT NULL"),
      "0");
  worker.reset();
  sql_value(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
}

}  // namespace syncline::test
