// Failures of a multi-node deployment (DESIGN §14, DEPLOY-020..025): three `serve` nodes and two
// CDC workers behind a real nginx running the shipped site over TLS (a CA made by the test).
// Four writers (kept-alive https API calls through nginx, each write retried with its txId until
// answered), six stream readers (LiveStream over https through nginx, resuming with
// Last-Event-ID), three native clients and the CLI run while the test, in rounds, stops a node
// with SIGTERM, kills another with SIGKILL (each restarted on its port), kills the active CDC
// worker with SIGKILL (a new standby is started), five times, and once restarts Postgres. Then:
// - every accepted write is in the table and in the log exactly once;
// - every reader got exactly the log's activities after its start, each once, in log order;
// - after each CDC kill a new write reached every reader (the standby took over: its time is
//   printed, the goal is 5 s; deadlines here are generous, this box is noisy);
// - every native client converges to the database, and the CLI's writes went through nginx;
// - a revocation made on one node closes the member's stream on another (time printed, ≤ 1 s).
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>

#include "support/fixtures.h"
#include "support/mutations.h"
#include "support/sse_client.h"
#include "support/tls_proxy.h"
#include "support/writers.h"
#include "syncline/client.h"
#include "syncline/live_stream.h"

namespace syncline::test {

using namespace std::chrono_literals;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {
pid_t active_worker_pid() {
  auto id = sql_value(
      "SELECT id FROM cdc_workers WHERE state = 'active'"
      " AND heartbeat_at > now() - interval '3 seconds' ORDER BY heartbeat_at DESC LIMIT 1");
  auto colon = id.rfind(':');
  return colon == std::string::npos ? -1 : static_cast<pid_t>(std::stol(id.substr(colon + 1)));
}

long ms_since(Clock::time_point t) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

// A stream reader through the balancer: the ids of the changes it got, in order.
struct Reader {
  std::mutex mu;
  std::int64_t start = -1;
  std::vector<std::int64_t> ids;
  int resets = 0;
  std::unique_ptr<client::LiveStream> stream;

  std::vector<std::int64_t> got() {
    std::lock_guard lock(mu);
    return ids;
  }
  bool has(std::int64_t id) {
    std::lock_guard lock(mu);
    return !ids.empty() && ids.back() >= id;
  }
};

std::vector<std::int64_t> log_ids(const std::string& org, std::int64_t after) {
  std::vector<std::int64_t> out;
  for (const auto& id : sql_column("SELECT id FROM activities WHERE organization_id = '" + org +
                                   "' AND id > " + std::to_string(after) + " ORDER BY id"))
    out.push_back(std::stoll(id));
  return out;
}
}  // namespace

TEST(Deployment, NodesWorkersAndPostgresFailUnderLoadNothingLostOrDoubledDEPLOY020) {
  auto dir = make_temp_dir("syncline-deploy");
  TestCa ca(dir, "DNS:localhost");
  std::vector<std::unique_ptr<Process>> workers;
  workers.push_back(std::make_unique<Process>(db_url(), std::vector<std::string>{"cdc"}));
  ASSERT_TRUE(wait_until([] { return active_worker_pid() > 0; }, 30s)) << workers[0]->log();
  workers.push_back(std::make_unique<Process>(db_url(), std::vector<std::string>{"cdc"}));
  std::unique_ptr<Server> nodes[3];
  std::vector<unsigned short> ports;
  for (auto& n : nodes) {
    n = std::make_unique<Server>(db_url(), "serve");
    ports.push_back(n->port());
  }
  auto restart_node = [&](int i) {
    nodes[i].reset();
    nodes[i] = std::make_unique<Server>(
        db_url(), "serve",
        std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(ports[i])});
  };
  TlsProxy nginx(ca, ports);
  const client::ServerAddress https{"localhost", nginx.port(), true, ca.ca_file()};

  Http direct(ports[0]);
  auto admin = sign_up(direct, "Deployment admin");
  const std::string org(create_org(direct, admin)["id"].as_string());
  const std::string base = "/organizations/" + org;

  // Six stream readers and three native clients, all through nginx.
  std::vector<std::unique_ptr<Reader>> readers;
  for (int i = 0; i < 6; ++i) {
    auto r = std::make_unique<Reader>();
    client::LiveStream::Options o{https.host, https.port, admin.token, org, "now"};
    o.tls = true;
    o.ca_file = https.ca_file;
    Reader* self = r.get();
    r->stream = std::make_unique<client::LiveStream>(o, [self](const client::SseMessage& m) {
      std::lock_guard lock(self->mu);
      if (m.event == "offset" && self->start < 0) self->start = std::stoll(m.last_event_id);
      if (m.event == "change") self->ids.push_back(std::stoll(m.last_event_id));
      if (m.event == "reset") ++self->resets;
    });
    r->stream->start();
    readers.push_back(std::move(r));
  }
  for (auto& r : readers)
    ASSERT_TRUE(wait_until([&] { return std::lock_guard(r->mu), r->start >= 0; }, 20s));
  std::vector<std::unique_ptr<client::Client>> clients;
  for (int i = 0; i < 3; ++i) {
    client::ClientOptions o;
    o.host = https.host;
    o.port = https.port;
    o.tls = true;
    o.ca_file = https.ca_file;
    o.token = admin.token;
    o.org_id = org;
    o.data_dir = dir + "/client-" + std::to_string(i);
    clients.push_back(std::make_unique<client::Client>(o));
    ASSERT_TRUE(clients.back()->start(20s));
  }

  // Writers: each its own Api (one kept-alive connection), a create every 20 ms.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0}, retries{0};
  auto write_page = [&](client::Api& api, const std::string& id) {
    return post_until_answered(api, base + "/pages",
                               create_body({{"id", id}, {"name", id}}, next_tx_id()), retries);
  };
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&, w] {
      client::Api api(https);
      api.set_token(admin.token);
      for (int i = 0; !stop; ++i) {
        if (write_page(api, "w" + std::to_string(w) + "-" + std::to_string(i))) ++written;
        std::this_thread::sleep_for(20ms);
      }
    });
  JoinOnExit joiner{stop, writers};

  // A marker write through the balancer, then every reader has it (or later).
  client::Api marker_api(https);
  marker_api.set_token(admin.token);
  int markers = 0;
  auto marker_reaches_readers = [&] {
    const std::string id = "marker-" + std::to_string(markers++);
    if (!write_page(marker_api, id)) return false;
    std::string at;  // its activity, once the CDC worker wrote it
    if (!wait_until(
            [&] {
              at = sql_value("SELECT max(id) FROM activities WHERE entity_id = '" + id + "'");
              return !at.empty();
            },
            30s))
      return false;
    for (auto& r : readers)
      if (!wait_until([&] { return r->has(std::stoll(at)); }, 30s)) return false;
    return true;
  };

  std::vector<long> takeovers;
  const std::string https_url = "https://localhost:" + std::to_string(nginx.port());
  auto cli = [&](std::vector<std::string> args, std::string* out) {
    std::string line = std::string("'") + SYNCLINE_CLI_BINARY + "' --data-dir '" + dir +
                       "/cli' --server " + https_url + " --ca-file '" + ca.ca_file() + "'";
    for (const auto& a : args) line += " '" + a + "'";
    return run_command({"/bin/sh", "-c", line + " 2>&1"}, out);
  };
  std::string out;
  ASSERT_EQ(cli({"login", "--email", admin.email, "--password", "correct horse battery"}, &out), 0)
      << out;
  // Resume: from a node's SIGTERM or SIGKILL until a write made after it reached every reader
  // (those of the node reconnected through nginx to another); the node is restarted after.
  std::vector<long> resumes;
  auto fail_node = [&](int i, int sig) {
    const auto at = Clock::now();
    std::future<int> stopped;  // SIGTERM: the node drains (its streams end, clients reconnect)
    if (sig == SIGTERM)
      stopped = std::async(std::launch::async, [&, i] { return nodes[i]->stop(); });
    else
      kill(nodes[i]->pid(), sig);
    const bool resumed = marker_reaches_readers();
    resumes.push_back(ms_since(at));
    if (stopped.valid()) stopped.get();
    const auto stopped_ms = ms_since(at);
    std::cout << "[ measure ] node " << i << " " << (sig == SIGTERM ? "SIGTERM" : "SIGKILL")
              << ": every reader resumed after " << resumes.back() << " ms, the node exited after "
              << stopped_ms << " ms" << std::endl;
    restart_node(i);
    return resumed;
  };
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    std::this_thread::sleep_for(1s);
    ASSERT_TRUE(fail_node(round % 3, SIGTERM)) << "round " << round;
    std::this_thread::sleep_for(1s);
    ASSERT_TRUE(fail_node((round + 1) % 3, SIGKILL)) << "round " << round;
    EXPECT_EQ(
        cli({"pages", "create", "--org", org, "cli-" + std::to_string(round), "By CLI"}, &out), 0)
        << out;
    const pid_t active = active_worker_pid();
    ASSERT_GT(active, 0);
    const auto killed_at = Clock::now();
    kill(active, SIGKILL);
    ASSERT_TRUE(
        wait_until([&] { return active_worker_pid() > 0 && active_worker_pid() != active; }, 30s));
    ASSERT_TRUE(marker_reaches_readers()) << "round " << round;
    takeovers.push_back(ms_since(killed_at));
    for (auto it = workers.begin(); it != workers.end();)  // the killed one is replaced
      it = (*it)->pid() == active ? workers.erase(it) : std::next(it);
    workers.push_back(std::make_unique<Process>(db_url(), std::vector<std::string>{"cdc"}));
    if (round == 2) {
      ServerEnvironment::get().cluster().restart();  // Postgres itself, under the same load
      ASSERT_TRUE(marker_reaches_readers()) << "after the Postgres restart";
    }
  }
  std::this_thread::sleep_for(1s);
  stop = true;
  for (auto& t : writers) t.join();

  // Every accepted write applied and logged exactly once.
  const auto n = written.load() + markers + kRounds;
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
  // Every reader: exactly the log after its start, in log order, nothing twice.
  for (std::size_t i = 0; i < readers.size(); ++i) {
    auto expected = log_ids(org, readers[i]->start);
    EXPECT_TRUE(wait_until([&] { return readers[i]->got() == expected; }, 30s))
        << "reader " << i << ": " << readers[i]->got().size() << " of " << expected.size();
    EXPECT_EQ(readers[i]->resets, 0);
  }
  for (auto& c : clients)
    EXPECT_TRUE(wait_until(
        [&] { return c->store().list(org, "page").size() == static_cast<std::size_t>(n); }, 30s))
        << c->store().list(org, "page").size() << " of " << n;
  ASSERT_EQ(cli({"pages", "list", "--org", org}, &out), 0) << out;
  EXPECT_NE(out.find("cli-" + std::to_string(kRounds - 1) + "  By CLI"), std::string::npos) << out;

  // A revocation on node 1 closes the member's stream on node 2.
  auto member = sign_up(direct, "Deployment member");
  add_member(direct, admin, org, member, "member");
  SseClient member_stream(ports[2], base + "/live?live=sse&offset=now", member.token);
  ASSERT_EQ(member_stream.status(), 200);
  ASSERT_TRUE(member_stream.next_of("offset"));
  const auto revoked_at = Clock::now();
  ASSERT_EQ(Http(ports[1])
                .request("DELETE", base + "/memberships/" + member.id, std::nullopt,
                         {{"Authorization", "Bearer " + admin.token}})
                .status,
            204);
  auto error = member_stream.next_of("error", 10s);
  const auto revocation_ms = ms_since(revoked_at);
  ASSERT_TRUE(error) << "the stream on another node was not closed";
  EXPECT_FALSE(member_stream.next(3s));
  EXPECT_TRUE(member_stream.closed());

  auto summary = [](std::vector<long> v) {
    std::sort(v.begin(), v.end());
    return "p50 " + std::to_string(v[v.size() / 2]) + " ms, max " + std::to_string(v.back()) +
           " ms over " + std::to_string(v.size());
  };
  std::cout << "deployment: " << n << " writes (" << retries << " tries retried); "
            << "readers resumed after a node's SIGTERM/SIGKILL: " << summary(resumes)
            << "; standby active and delivering after the active worker's SIGKILL: "
            << summary(takeovers) << "; one Postgres restart; a revocation on node 1 closed the "
            << "stream on node 2 in " << revocation_ms << " ms\n";
  for (auto& r : readers) r->stream->stop();
  for (auto& c : clients) c->stop();
  clients.clear();
  sql_value(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
  std::filesystem::remove_all(dir);
}

}  // namespace syncline::test
