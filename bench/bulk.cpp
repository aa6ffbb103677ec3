// bench_bulk (DESIGN §18, DATA-SCALE-005, `scripts/bench-bulk`): an app's own bulk transaction
// reaching subscribed native clients. `--subscribers` clients (one session each) hold the org
// live; the app inserts `--rows` pages with one INSERT … SELECT; measured from its commit until
// every client's cache holds them all (the refetch marker, then each client's snapshot of the
// type, through the node's snapshot cap). Baseline, same run, same rows: COPY of them as JSON
// plus one snapshot of the org. Goal: commit → all converged ≤ 2 × (COPY + snapshot).
// Prints one JSON object on stdout.
#include <fmt/format.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "flags.h"
#include "syncline/api.h"
#include "syncline/client.h"

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Options {
  std::string db_url;
  std::vector<std::string> tokens;  // one session per subscriber
  long rows = 100'000;
};

void exec(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  const auto st = PQresultStatus(r);
  std::string err = PQresultErrorMessage(r);
  PQclear(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw std::runtime_error(err);
}

// COPY (SELECT row_to_json(p) …) TO STDOUT of the org's pages, bytes discarded: seconds.
double copy_floor(PGconn* c, const std::string& org) {
  const auto t = Clock::now();
  PQclear(PQexec(c, ("COPY (SELECT row_to_json(p) FROM pages p WHERE organization_id = '" + org +
                     "') TO STDOUT")
                        .c_str()));
  char* row = nullptr;
  while (PQgetCopyData(c, &row, 0) > 0) PQfreemem(row);
  while (PGresult* r = PQgetResult(c)) PQclear(r);
  return since(t);
}

double snapshot(const syncline::client::Api& api, const std::string& org) {
  const auto t = Clock::now();
  auto r =
      api.stream_get("/organizations/" + org + "/snapshot", [](std::string_view) { return true; });
  if (!r.ok()) throw std::runtime_error("snapshot: " + std::to_string(r.status) + " " + r.error);
  return since(t);
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags("bench_bulk", "--db-url URL --tokens T1,T2,… [--rows N]");
  Options o;
  auto s = flags.parse(argc, argv, [&](std::string_view a, const char* v) {
    if (a == "--db-url") {
      o.db_url = v;
    } else if (a == "--tokens") {
      std::stringstream in(v);
      for (std::string t; std::getline(in, t, ',');)
        if (!t.empty()) o.tokens.push_back(t);
    } else if (a == "--rows") {
      o.rows = flags.integer(a, v, 1, 10'000'000);
    } else {
      return false;
    }
    return true;
  });
  if (o.db_url.empty() || o.tokens.empty()) flags.usage("--db-url and --tokens are required");
  PGconn* db = PQconnectdb(o.db_url.c_str());
  if (PQstatus(db) != CONNECTION_OK) throw std::runtime_error("cannot connect to the database");

  const auto base =
      std::filesystem::temp_directory_path() / fmt::format("syncline-bench-bulk-{}", ::getpid());
  std::vector<std::unique_ptr<syncline::client::Client>> clients;
  for (std::size_t i = 0; i < o.tokens.size(); ++i) {
    syncline::client::ClientOptions c;
    c.port = s.port;
    c.token = o.tokens[i];
    c.org_id = s.org;
    c.data_dir = (base / std::to_string(i)).string();
    std::filesystem::create_directories(c.data_dir);
    clients.push_back(std::make_unique<syncline::client::Client>(c));
    if (!clients.back()->start(std::chrono::minutes(2)))
      throw std::runtime_error("a subscriber did not start");
  }
  // The app's bulk insert: one statement, one transaction; timed from its commit.
  exec(db, fmt::format(
               "INSERT INTO pages (id, organization_id, name, description, status, display_order)"
               " SELECT 'b' || g, '{}', 'Page ' || g, repeat('Some words. ', 8), 'published', g"
               " FROM generate_series(1, {}) g",
               s.org, o.rows));
  const auto committed = Clock::now();
  std::vector<double> converged(clients.size(), 0);
  for (std::size_t done = 0; done < clients.size();) {
    done = 0;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      if (converged[i] == 0 && clients[i]->store().count(s.org) >= o.rows)
        converged[i] = since(committed);
      done += converged[i] > 0;
    }
    if (since(committed) > 1800) throw std::runtime_error("not converged in 30 minutes");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double all = *std::max_element(converged.begin(), converged.end());
  const double first = *std::min_element(converged.begin(), converged.end());
  for (auto& c : clients) c->stop();
  clients.clear();
  std::filesystem::remove_all(base);

  // The baseline: the same rows, COPY and one snapshot, with nothing else running.
  syncline::client::Api api("127.0.0.1", s.port);
  api.set_token(o.tokens.front());
  const double copy = copy_floor(db, s.org), snap = snapshot(api, s.org);
  PQfinish(db);
  std::printf(
      "{\"rows\":%ld,\"subscribers\":%zu,\"first_converged_s\":%.3f,\"all_converged_s\":%.3f,"
      "\"copy_s\":%.3f,\"snapshot_s\":%.3f,\"all_vs_copy_plus_snapshot\":%.2f}\n",
      o.rows, o.tokens.size(), first, all, copy, snap, all / (copy + snap));
  return 0;
}
