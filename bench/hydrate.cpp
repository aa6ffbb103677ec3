// bench_hydrate (DESIGN §18, `scripts/bench-hydrate`): how fast a new device holds a big org,
// as ratios to the floor measured in the same run — Postgres's own COPY of the same rows as
// JSON (libpq, bytes discarded):
//   snapshot  the server's GET …/snapshot read and discarded       goal: speed >= 0.7x COPY
//   native    `syncline-cli sync` into an empty data dir (the SDK)  goal: <= 3x COPY, <= 100 MB
//   pages     one list page of the big org vs of a 1,000-row org    goal: <= 2x
// Runs interleave (COPY, snapshot, native, pages) `--runs` times; medians are reported.
// Prints one JSON object on stdout.
#include <fmt/format.h>
#include <libpq-fe.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "flags.h"
#include "syncline/api.h"

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Options {
  std::string db_url, small_org, cli;
  int runs = 3;
};

// COPY (SELECT row_to_json(p) …) TO STDOUT of the org's pages: seconds; bytes through `bytes`.
double copy_floor(const std::string& db_url, const std::string& org, std::size_t& bytes) {
  PGconn* c = PQconnectdb(db_url.c_str());
  if (PQstatus(c) != CONNECTION_OK) throw std::runtime_error("copy: cannot connect");
  const auto t = Clock::now();
  const std::string q =
      "COPY (SELECT row_to_json(p) FROM pages p WHERE organization_id = '" + org + "') TO STDOUT";
  PQclear(PQexec(c, q.c_str()));
  bytes = 0;
  char* row = nullptr;
  int n = 0;
  while ((n = PQgetCopyData(c, &row, 0)) > 0) {
    bytes += static_cast<std::size_t>(n);
    PQfreemem(row);
  }
  while (PGresult* r = PQgetResult(c)) PQclear(r);
  const double s = since(t);
  PQfinish(c);
  return s;
}

double snapshot(const syncline::client::Api& api, const std::string& org, std::size_t& bytes) {
  bytes = 0;
  const auto t = Clock::now();
  auto r = api.stream_get("/organizations/" + org + "/snapshot", [&](std::string_view piece) {
    bytes += piece.size();
    return true;
  });
  if (!r.ok()) throw std::runtime_error("snapshot: " + std::to_string(r.status) + " " + r.error);
  return since(t);
}

// `syncline-cli sync` into a fresh data dir: seconds, and the process's peak RSS in MB.
double native(const Options& o, const bench::Server& s, double& peak_mb) {
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("syncline-bench-hydrate-{}", ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "token") << s.token << "\n";
  const auto t = Clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    const std::string server = fmt::format("http://127.0.0.1:{}", s.port);
    const std::string data_dir = dir.string();
    if (FILE* null = std::fopen("/dev/null", "w")) ::dup2(::fileno(null), STDOUT_FILENO);
    ::execl(o.cli.c_str(), o.cli.c_str(), "--server", server.c_str(), "--data-dir",
            data_dir.c_str(), "sync", "--org", s.org.c_str(), "--timeout", "3600",
            static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  const double seconds = since(t);
  std::filesystem::remove_all(dir);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("syncline-cli sync failed");
  peak_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
  return seconds;
}

// Median seconds of one list page of `org` (the page after the first), over `n` requests.
double page(const syncline::client::Api& api, const std::string& org, int n) {
  auto first = api.call("GET", "/organizations/" + org + "/pages?limit=100");
  if (!first.ok()) throw std::runtime_error("list: " + std::to_string(first.status));
  const auto& next = first.body.as_object().at("nextCursor");
  const std::string target = "/organizations/" + org + "/pages?limit=100" +
                             (next.is_string() ? "&cursor=" + std::string(next.as_string()) : "");
  std::vector<double> t;
  for (int i = 0; i < n; ++i) {
    const auto at = Clock::now();
    if (!api.call("GET", target).ok()) throw std::runtime_error("list page failed");
    t.push_back(since(at));
  }
  return median(t);
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags("bench_hydrate",
                     "--db-url URL --small-org ORGID --cli SYNCLINE_CLI [--runs N]");
  Options o;
  auto s = flags.parse(argc, argv, [&](std::string_view a, const char* v) {
    if (a == "--db-url")
      o.db_url = v;
    else if (a == "--small-org")
      o.small_org = v;
    else if (a == "--cli")
      o.cli = v;
    else if (a == "--runs")
      o.runs = static_cast<int>(flags.integer(a, v, 1, 100));
    else
      return false;
    return true;
  });
  if (o.db_url.empty() || o.small_org.empty() || o.cli.empty())
    flags.usage("--db-url, --small-org and --cli are required");
  syncline::client::Api api("127.0.0.1", s.port);
  api.set_token(s.token);
  std::vector<double> copy_s, snap_s, native_s, rss_mb, page_big, page_small;
  std::size_t copy_bytes = 0, snap_bytes = 0;
  for (int run = 0; run < o.runs; ++run) {
    copy_s.push_back(copy_floor(o.db_url, s.org, copy_bytes));
    snap_s.push_back(snapshot(api, s.org, snap_bytes));
    double peak = 0;
    native_s.push_back(native(o, s, peak));
    rss_mb.push_back(peak);
    page_big.push_back(page(api, s.org, 50));
    page_small.push_back(page(api, o.small_org, 50));
    std::fprintf(stderr, "run %d: copy %.2f s, snapshot %.2f s, native %.2f s (%.0f MB)\n", run + 1,
                 copy_s.back(), snap_s.back(), native_s.back(), peak);
  }
  const double copy = median(copy_s), snap = median(snap_s), nat = median(native_s);
  std::printf(
      "{\"copy_s\":%.3f,\"copy_mb\":%.1f,\"snapshot_s\":%.3f,\"snapshot_mb\":%.1f,"
      "\"snapshot_speed_vs_copy\":%.2f,\"native_s\":%.3f,\"native_vs_copy\":%.2f,"
      "\"native_peak_rss_mb\":%.0f,\"page_big_ms\":%.2f,\"page_small_ms\":%.2f,"
      "\"page_big_vs_small\":%.2f}\n",
      copy, static_cast<double>(copy_bytes) / 1e6, snap, static_cast<double>(snap_bytes) / 1e6,
      copy / snap, nat, nat / copy, median(rss_mb), median(page_big) * 1e3,
      median(page_small) * 1e3, median(page_big) / median(page_small));
  return 0;
}
