// Client processes on one machine (issue 6): a kill -9 with a non-empty outbox loses nothing
// and sends nothing twice; three processes on one data dir share one stream connection, all
// see every change, a follower's mutation is flushed by the leader, and when the leader is
// killed another takes over without a missed message (OFFLINE-001, TAB-001..022).
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "support/cdc_fixture.h"
#include "support/child.h"
#include "support/mutations.h"
#include "support/tcp_proxy.h"

namespace syncline::test {

using namespace std::chrono_literals;

class Machine : public WithCdcWorkerAndDir {
 protected:
  std::unique_ptr<Child> spawn(unsigned short port, int priority = 0) {
    return std::make_unique<Child>(
        std::vector<std::string>{SYNCLINE_CLIENT_PROCESS, std::to_string(port), admin_.token, org_,
                                 dir_ + "/shared", std::to_string(priority)});
  }
  int subscribers() {
    auto m = http_.get("/metrics").body;
    auto at = m.find("\nsyncline_stream_subscribers ");
    return at == std::string::npos ? -1 : std::stoi(m.substr(at + 29));
  }
  int logged(const std::string& tx) {
    return std::stoi(
        sql_value("SELECT count(*) FROM activities WHERE tx->>'transactionId' = '" + tx + "'"));
  }
  void create_page(const std::string& id, const std::string& name) {
    ASSERT_EQ(http_
                  .send("POST", base_ + "/pages",
                        create_body({{"id", id}, {"name", name}}, next_tx_id()), admin_.token)
                  .status,
              201);
  }
};

TEST_F(Machine, AKilledClientFlushesItsOutboxExactlyOnceAfterRestartOFFLINE001) {
  TcpProxy proxy(http_.port());
  proxy.cut();  // the network is down from the start
  std::vector<std::string> txs;
  {
    auto c = spawn(proxy.port());
    EXPECT_EQ(c->ask("start 500", "started "), "0");
    for (int i = 0; i < 5; ++i)
      txs.push_back(c->ask("create crash-" + std::to_string(i) + " n" + std::to_string(i), "tx "));
    c->ask("update crash-0 name renamed", "tx ");  // merged into the queued create
    EXPECT_EQ(c->ask("outbox", "outbox "), "5");
    c->kill9();
  }
  proxy.restore();
  auto again = spawn(proxy.port());
  EXPECT_EQ(again->ask("start 20000", "started "), "1");
  ASSERT_TRUE(wait_until([&] { return again->ask("outbox", "outbox ") == "0"; }, 20s));
  ASSERT_TRUE(wait_until([&] {
    for (const auto& t : txs)
      if (logged(t) != 1) return false;
    return true;
  }));
  std::this_thread::sleep_for(500ms);
  for (const auto& t : txs) EXPECT_EQ(logged(t), 1) << t;
  EXPECT_EQ(sql_value("SELECT name FROM pages WHERE id = 'crash-0'"), "renamed");
  EXPECT_EQ(sql_value("SELECT count(*) FROM pages WHERE id LIKE 'crash-%'"), "5");
}

TEST_F(Machine, AClientKilledAfterItsRequestLandedNeverDuplicatesItOFFLINE012) {
  TcpProxy proxy(http_.port());
  auto c = spawn(proxy.port());
  ASSERT_EQ(c->ask("start 20000", "started "), "1");
  proxy.mute(true);  // not even the live stream tells it the write landed
  // Every POST while muted: the client, its retry on a new connection and the sync thread's
  // tick may each send it (how many is a race); a muted reply would leave one hanging.
  proxy.lose_next_responses(1000, "POST");
  auto tx = c->ask("create landed-0 x", "tx ");
  EXPECT_EQ(c->ask("outbox", "outbox "), "1");  // kept, as sent: it may have landed
  c->kill9();
  proxy.keep_responses();
  proxy.mute(false);
  EXPECT_EQ(sql_value("SELECT count(*) FROM pages WHERE id = 'landed-0'"), "1");  // it did
  auto again = spawn(proxy.port());
  ASSERT_EQ(again->ask("start 20000", "started "), "1");
  ASSERT_TRUE(wait_until([&] { return again->ask("outbox", "outbox ") == "0"; }, 20s));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(logged(tx), 1);  // resent with the same txId (or seen in the stream): once
  EXPECT_EQ(sql_value("SELECT count(*) FROM pages WHERE id = 'landed-0'"), "1");
}

TEST_F(Machine, ThreeProcessesShareOneStreamAndSurviveTheLeadersDeathTAB001) {
  std::vector<std::unique_ptr<Child>> procs;
  for (int i = 0; i < 3; ++i) procs.push_back(spawn(http_.port(), i));
  for (auto& p : procs) ASSERT_EQ(p->ask("start 20000", "started "), "1");
  auto leaders = [&] {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < procs.size(); ++i)
      if (procs[i] && procs[i]->ask("leader", "leader ") == "1") out.push_back(i);
    return out;
  };
  ASSERT_EQ(leaders().size(), 1u);
  EXPECT_TRUE(wait_until([&] { return subscribers() == 1; })) << subscribers();  // one for three

  for (int i = 0; i < 10; ++i) create_page("m-" + std::to_string(i), "v" + std::to_string(i));
  for (auto& p : procs)
    for (int i = 0; i < 10; ++i)
      EXPECT_TRUE(p->wait_line("change m-" + std::to_string(i) + " v" + std::to_string(i)));

  // A follower's mutation goes through the shared outbox; the leader sends it.
  std::size_t leader = leaders()[0], follower = (leader + 1) % 3;
  auto tx = procs[follower]->ask("update m-0 name from-follower", "tx ");
  EXPECT_TRUE(
      wait_until([&] { return procs[follower]->ask("state " + tx, "state ") == "confirmed"; }));
  EXPECT_EQ(sql_value("SELECT name FROM pages WHERE id = 'm-0'"), "from-follower");
  EXPECT_EQ(logged(tx), 1);

  // Kill the leader; write while nobody streams.
  auto killed = std::chrono::steady_clock::now();
  procs[leader]->kill9();
  procs[leader].reset();
  for (int i = 10; i < 20; ++i) create_page("m-" + std::to_string(i), "v" + std::to_string(i));
  ASSERT_TRUE(wait_until([&] { return leaders().size() == 1; }, 10s));
  auto took = std::chrono::steady_clock::now() - killed;
  std::cout << "[ measure  ] leader killed -> new leader: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
  // The highest priority survivor is preferred.
  EXPECT_EQ(leaders()[0], leader == 2 ? 1u : 2u);
  for (auto& p : procs) {
    if (!p) continue;
    for (int i = 10; i < 20; ++i)  // nothing written during the handoff is missed
      EXPECT_TRUE(p->wait_line("change m-" + std::to_string(i) + " v" + std::to_string(i)));
  }
  EXPECT_TRUE(wait_until([&] { return subscribers() == 1; }));
  create_page("m-after", "after");
  for (auto& p : procs) {
    if (p) {
      EXPECT_TRUE(p->wait_line("change m-after after"));
    }
  }
}

}  // namespace syncline::test
