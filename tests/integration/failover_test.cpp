// Postgres primary failover (DESIGN §14, DEPLOY-040..043): the one stateful part of a
// deployment. A primary with a synchronous streaming replica; two `serve` nodes and two CDC
// workers are given the multi-host URL (target_session_attrs=read-write). Under load (writers
// on both nodes, native clients streaming and queueing writes in their outboxes), the primary
// crashes and the replica is promoted. Then, without anyone telling them:
// - nodes and workers find the new primary; the active worker finds no slot (PG 15 slots do
//   not fail over), creates one and begins a new sync epoch;
// - every client gets `event: reset`, reloads and re-sends its outbox;
// - no write a client saw acknowledged is lost (synchronous replication), none is applied
//   twice (the txId ledger came over with the data), and every client's cache equals the new
//   primary's table: no stale cache, nothing that was committed but never decoded is missed.
// The times to the new epoch and to every client converged are printed (not asserted).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "support/fixtures.h"
#include "support/mutations.h"
#include "support/replicated_cluster.h"
#include "support/writers.h"
#include "syncline/client.h"

namespace syncline::test {

using namespace std::chrono_literals;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {
long ms_since(Clock::time_point t) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

// The ids and names of the org's pages on `url`, or nullopt while it cannot be read.
std::optional<std::map<std::string, std::string>> pages_in(const std::string& url,
                                                           const std::string& org) {
  try {
    auto rows = json::parse(sql_value(
        "SELECT coalesce(json_object_agg(id, name), '{}') FROM pages WHERE organization_id = '" +
            org + "'",
        url));
    std::map<std::string, std::string> out;
    for (const auto& [id, name] : rows.as_object())
      out[std::string(id)] = std::string(name.as_string());
    return out;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::map<std::string, std::string> cached_pages(client::Client& c, const std::string& org) {
  std::map<std::string, std::string> out;
  for (const auto& e : c.store().list(org, "page"))
    out[e.key.entity_id] = std::string(e.data.at("name").as_string());
  return out;
}

std::int64_t current_epoch(const std::string& url) {
  try {
    return std::stoll(sql_value("SELECT coalesce(max(id), 0) FROM sync_epochs WHERE ready", url));
  } catch (const std::exception&) {
    return -1;
  }
}
}  // namespace

TEST(Failover, APromotedReplicaTakesOverAndNoAcknowledgedWriteIsLostDEPLOY040) {
  ReplicatedCluster pg;  // synchronous replica
  const auto dir = make_temp_dir("syncline-failover");
  std::unique_ptr<Server> nodes[2];
  for (auto& n : nodes) n = std::make_unique<Server>(pg.url(), "serve");
  Process worker_a(pg.url(), {"cdc"}), worker_b(pg.url(), {"cdc"});
  ASSERT_TRUE(wait_until([&] { return current_epoch(pg.url()) > 0; }, 30s)) << worker_a.log();
  const auto epoch_before = current_epoch(pg.url());

  Http direct(nodes[0]->port());
  auto admin = sign_up(direct, "Failover admin");
  const std::string org(create_org(direct, admin)["id"].as_string());

  std::vector<std::unique_ptr<client::Client>> clients;
  for (int i = 0; i < 3; ++i) {
    client::ClientOptions o;
    o.port = nodes[i % 2]->port();
    o.token = admin.token;
    o.org_id = org;
    o.data_dir = dir + "/client-" + std::to_string(i);
    clients.push_back(std::make_unique<client::Client>(o));
    ASSERT_TRUE(clients.back()->start(20s));
  }

  // Writers: one per node, each write retried with its txId until it is answered.
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::atomic<int> retries{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w)
    writers.emplace_back([&, w] {
      client::Api api(client::ServerAddress{"127.0.0.1", nodes[w]->port(), false, ""});
      api.set_token(admin.token);
      for (int i = 0; !stop; ++i) {
        const std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
        if (post_until_answered(api, "/organizations/" + org + "/pages",
                                create_body({{"id", id}, {"name", id}}, next_tx_id()), retries,
                                &stop)) {
          std::lock_guard lock(mu);
          acknowledged.insert(id);
        }
        std::this_thread::sleep_for(20ms);
      }
    });
  JoinOnExit joiner{stop, writers};

  // Outbox writes of the clients, made before, during and after the failover.
  std::vector<std::pair<client::Client*, std::string>> queued;
  auto queue_writes = [&](const std::string& tag) {
    for (std::size_t i = 0; i < clients.size(); ++i) {
      const std::string id = "c" + std::to_string(i) + "-" + tag;
      queued.emplace_back(clients[i].get(), clients[i]->create("page", {{"id", id}, {"name", id}}));
    }
  };
  queue_writes("before");
  std::this_thread::sleep_for(2s);
  pg.crash_primary();
  queue_writes("down");
  std::this_thread::sleep_for(1s);
  const auto promoted_at = Clock::now();
  pg.promote_replica();
  ASSERT_TRUE(wait_until([&] { return current_epoch(pg.replica_url()) > epoch_before; }, 60s))
      << worker_a.log() << worker_b.log();
  const auto epoch_ms = ms_since(promoted_at);
  queue_writes("after");
  std::this_thread::sleep_for(2s);
  stop = true;
  for (auto& t : writers) t.join();

  // Nothing acknowledged is lost, nothing is applied twice (ids are the primary key: a second
  // apply would have failed; the ledger answers a retried txId once), and each client's queued
  // writes were applied.
  auto table = pages_in(pg.replica_url(), org);
  ASSERT_TRUE(table);
  for (const auto& id : acknowledged) EXPECT_TRUE(table->count(id)) << id << " was acknowledged";
  EXPECT_GT(acknowledged.size(), 20u);
  for (auto& [c, tx] : queued)
    EXPECT_TRUE(wait_until(
        [&, c = c, tx = tx] { return c->state(tx) == client::MutationState::kConfirmed; }, 60s))
        << tx << ": " << (c->state(tx) ? to_string(*c->state(tx)) : "unknown");
  table = pages_in(pg.replica_url(), org);
  ASSERT_TRUE(table);
  std::size_t writer_rows = 0;
  for (const auto& [id, name] : *table) writer_rows += id[0] == 'w';
  EXPECT_EQ(writer_rows, acknowledged.size());  // what was written is what was acknowledged

  // Every client converges to the new primary: no stale entity, none missing.
  for (std::size_t i = 0; i < clients.size(); ++i)
    EXPECT_TRUE(wait_until([&] { return cached_pages(*clients[i], org) == *table; }, 60s))
        << "client " << i << ": " << cached_pages(*clients[i], org).size() << " of "
        << table->size();
  const auto converged_ms = ms_since(promoted_at);
  // Each reloaded from the new epoch: its offset is at or past the epoch's boundary.
  const auto boundary = std::stoll(
      sql_value("SELECT first_activity_id FROM sync_epochs WHERE ready ORDER BY id DESC LIMIT 1",
                pg.replica_url()));
  for (auto& c : clients)  // (offsets are written to the cache debounced)
    EXPECT_TRUE(wait_until([&] { return c->store().offset(org).value_or(0) >= boundary - 1; }, 20s))
        << c->store().offset(org).value_or(0) << " < " << boundary - 1;
  std::cout << "failover: " << acknowledged.size() << " acknowledged writes (" << retries
            << " tries retried), new sync epoch " << epoch_ms << " ms and every client converged "
            << converged_ms << " ms after the promote\n";
  for (auto& c : clients) c->stop();
  clients.clear();
  sql_value("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active",
            pg.replica_url());
  std::filesystem::remove_all(dir);
}

}  // namespace syncline::test
