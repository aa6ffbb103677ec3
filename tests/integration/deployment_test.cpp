// Failures of a multi-node deployment (DESIGN §14, DEPLOY-020..024): three `serve` nodes and two
// CDC workers behind a real nginx running the shipped site over TLS. Writers (kept-alive https
// API calls through nginx, each write retried with its txId until answered) and native clients
// (streaming through nginx) run while one node is stopped with SIGTERM, another is killed with
// SIGKILL, and the active CDC worker is killed with SIGKILL. Nothing is lost or applied twice,
// every client converges to the database, and the standby worker takes over (the time it took is
// printed: the goal is 5 s; the assertion's deadline is generous, this box is noisy).
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <thread>

#include "support/fixtures.h"
#include "support/mutations.h"
#include "support/tls_proxy.h"
#include "syncline/client.h"

namespace syncline::test {

using namespace std::chrono_literals;
namespace json = boost::json;

namespace {
pid_t active_worker_pid() {
  auto id = sql_value(
      "SELECT id FROM cdc_workers WHERE state = 'active'"
      " AND heartbeat_at > now() - interval '3 seconds' LIMIT 1");
  auto colon = id.rfind(':');
  return colon == std::string::npos ? -1 : static_cast<pid_t>(std::stol(id.substr(colon + 1)));
}
}  // namespace

TEST(Deployment, NodesAndTheActiveWorkerFailUnderLoadNothingLostOrDoubledDEPLOY020) {
  auto dir = make_temp_dir("syncline-deploy");
  TestCa ca(dir, "DNS:localhost");
  std::unique_ptr<Process> workers[2] = {
      std::make_unique<Process>(db_url(), std::vector<std::string>{"cdc"}), nullptr};
  ASSERT_TRUE(wait_until([] { return active_worker_pid() > 0; }, 30s)) << workers[0]->log();
  workers[1] = std::make_unique<Process>(db_url(), std::vector<std::string>{"cdc"});
  ASSERT_TRUE(wait_until(
      [] {
        return sql_value(
                   "SELECT count(*) FROM cdc_workers WHERE state = 'standby'"
                   " AND heartbeat_at > now() - interval '3 seconds'") != "0";
      },
      30s));
  std::unique_ptr<Server> nodes[3];
  std::vector<unsigned short> ports;
  for (auto& n : nodes) {
    n = std::make_unique<Server>(db_url(), "serve");
    ports.push_back(n->port());
  }
  TlsProxy nginx(ca, ports);
  const client::ServerAddress https{"localhost", nginx.port(), true, ca.ca_file()};

  Http direct(ports[0]);
  auto admin = sign_up(direct, "Deployment admin");
  const std::string org(create_org(direct, admin)["id"].as_string());
  const std::string base = "/organizations/" + org;

  // Readers: native clients through nginx.
  std::vector<std::unique_ptr<client::Client>> readers;
  for (int i = 0; i < 3; ++i) {
    client::ClientOptions o;
    o.host = https.host;
    o.port = https.port;
    o.tls = true;
    o.ca_file = https.ca_file;
    o.token = admin.token;
    o.org_id = org;
    o.data_dir = dir + "/reader-" + std::to_string(i);
    readers.push_back(std::make_unique<client::Client>(o));
    ASSERT_TRUE(readers.back()->start(20s));
  }

  // Writers: each its own Api (one kept-alive connection), a create every 20 ms.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0}, retries{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w)
    writers.emplace_back([&, w] {
      client::Api api(https);
      api.set_token(admin.token);
      for (int i = 0; !stop; ++i) {
        const std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
        auto body = create_body({{"id", id}, {"name", id}}, next_tx_id());
        for (int attempt = 0; attempt < 500; ++attempt) {
          auto r = api.call("POST", base + "/pages", body);
          if (r.status == 201 || r.status == 200) {
            ++written;
            break;
          }
          ++retries;
          std::this_thread::sleep_for(20ms);
        }
        std::this_thread::sleep_for(20ms);
      }
    });
  struct Joiner {
    std::atomic<bool>& stop;
    std::vector<std::thread>& threads;
    ~Joiner() {
      stop = true;
      for (auto& t : threads)
        if (t.joinable()) t.join();
    }
  } joiner{stop, writers};

  std::this_thread::sleep_for(2s);
  nodes[1]->stop();  // SIGTERM: drains; its streams end, clients reconnect through nginx
  std::this_thread::sleep_for(2s);
  kill(nodes[2]->pid(), SIGKILL);
  std::this_thread::sleep_for(2s);
  const pid_t active = active_worker_pid();
  ASSERT_GT(active, 0);
  const auto killed_at = std::chrono::steady_clock::now();
  kill(active, SIGKILL);
  const auto before_kill = written.load();
  ASSERT_TRUE(wait_until(
      [&] {
        return sql_value("SELECT count(*) FROM activities WHERE organization_id = '" + org +
                         "' AND created_at > now() - interval '1 second'") != "0" &&
               active_worker_pid() > 0 && active_worker_pid() != active;
      },
      20s));
  const auto takeover_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - killed_at)
                               .count();
  std::this_thread::sleep_for(2s);
  stop = true;
  for (auto& t : writers) t.join();

  // Every write applied and logged exactly once.
  const auto n = written.load();
  EXPECT_GT(n, before_kill);
  EXPECT_EQ(sql_value("SELECT count(*) FROM pages WHERE organization_id = '" + org + "'"),
            std::to_string(n));
  ASSERT_TRUE(wait_until(
      [&] {
        return sql_value("SELECT count(*) FROM activities WHERE organization_id = '" + org + "'") ==
               std::to_string(n);
      },
      30s));
  EXPECT_EQ(sql_value("SELECT count(DISTINCT entity_id) FROM activities WHERE organization_id = '" +
                      org + "'"),
            std::to_string(n));
  // Every reader converges to the database.
  for (auto& r : readers)
    EXPECT_TRUE(wait_until(
        [&] { return r->store().list(org, "page").size() == static_cast<std::size_t>(n); }, 30s))
        << r->store().list(org, "page").size() << " of " << n;
  std::cout << "deployment: " << n << " writes (" << retries << " tries retried), standby active "
            << "and delivering " << takeover_ms << " ms after the active worker's SIGKILL\n";
  for (auto& r : readers) r->stop();
  readers.clear();
  sql_value(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
  std::filesystem::remove_all(dir);
}

}  // namespace syncline::test
