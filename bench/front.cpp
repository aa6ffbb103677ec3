// bench_front: live-stream fan-out through the deployment's front vs direct to the node (issue
// 13, DESIGN §14; by hand only: scripts/bench-front, never in CI). Starts its own throwaway
// cluster, one `syncline serve`, a CDC worker and nginx running the shipped site with TLS from a
// CA made for the run (scripts/tls-front). K native LiveStream subscribers (the client
// library's stream, TLS through nginx or plain http to the node) on one org; W creates at R/s,
// POSTed straight to the node; the latency of each from just before its POST to its receipt at
// every subscriber. Prints p50/p99 direct (the baseline), then through nginx, and the ratio.
// Flags: --k K (default 1000), --writes W (default 100), --rate R (default 10).
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "flags.h"
#include "support/cluster.h"
#include "support/fixtures.h"
#include "support/mutations.h"
#include "syncline/live_stream.h"

namespace json = boost::json;
using namespace syncline::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

struct Round {
  std::mutex mu;
  std::map<std::string, Clock::time_point> sent;  // entity id → just before its POST
  std::vector<double> latencies_ms;
  std::atomic<int> subscribed{0};
};

// K subscribers, W writes; returns the latencies (ms) of every (write, subscriber) received.
std::vector<double> fan_out(const Http& node, const TestUser& who, const std::string& org,
                            syncline::client::LiveStream::Options o, int k, int writes, int rate,
                            const std::string& prefix) {
  Round r;
  std::vector<std::unique_ptr<syncline::client::LiveStream>> streams;
  for (int i = 0; i < k; ++i) {
    streams.push_back(std::make_unique<syncline::client::LiveStream>(
        o, [&r](const syncline::client::SseMessage& m) {
          const auto at = Clock::now();
          if (m.event == "offset") {
            static thread_local bool counted = false;  // one stream per thread
            if (!counted) ++r.subscribed;
            counted = true;
            return;
          }
          if (m.event != "change") return;
          auto v = json::parse(m.data);
          std::string id(v.as_object()["entityId"].as_string());
          std::lock_guard lock(r.mu);
          if (auto it = r.sent.find(id); it != r.sent.end())
            r.latencies_ms.push_back(
                std::chrono::duration<double, std::milli>(at - it->second).count());
        }));
    streams.back()->start();
  }
  if (!wait_until([&] { return r.subscribed == k; }, 300s))
    std::fprintf(stderr, "bench_front: only %d of %d subscribed\n", r.subscribed.load(), k);
  std::this_thread::sleep_for(1s);
  auto next = Clock::now();
  for (int i = 0; i < writes; ++i) {
    std::this_thread::sleep_until(next);
    next += std::chrono::microseconds(1'000'000 / rate);
    const auto id = prefix + std::to_string(i);
    {
      std::lock_guard lock(r.mu);
      r.sent[id] = Clock::now();
    }
    node.send("POST", "/organizations/" + org + "/pages",
              create_body({{"id", id}, {"name", id}}, next_tx_id()), who.token);
  }
  const auto expected = static_cast<std::size_t>(writes) * static_cast<std::size_t>(k);
  wait_until(
      [&] {
        std::lock_guard lock(r.mu);
        return r.latencies_ms.size() >= expected;
      },
      60s);
  for (auto& s : streams) s->stop();
  std::lock_guard lock(r.mu);
  if (r.latencies_ms.size() < expected)
    std::fprintf(stderr, "bench_front: %zu of %zu deliveries arrived\n", r.latencies_ms.size(),
                 expected);
  return r.latencies_ms;
}

}  // namespace

int main(int argc, char** argv) {
  int k = 1000, writes = 100, rate = 10;
  bench::Flags flags("bench_front", "[--k K] [--writes W] [--rate R]");
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    if (a == "--k")
      k = static_cast<int>(flags.integer(a, argv[i + 1], 1, 10'000));
    else if (a == "--writes")
      writes = static_cast<int>(flags.integer(a, argv[i + 1], 1, 100'000));
    else if (a == "--rate")
      rate = static_cast<int>(flags.integer(a, argv[i + 1], 1, 1000));
    else
      flags.usage(fmt::format("unknown argument {}", a));
  }
  Cluster cluster;
  Server server(cluster.url(), "serve", {"--max-streams-per-session", "10000"});
  Process cdc(cluster.url(), {"cdc"});
  const auto dir = make_temp_dir("syncline-bench-front");
  if (run_command({SYNCLINE_SOURCE_DIR "/scripts/tls-front", "ca", dir}) != 0) return 1;
  const unsigned short front_port = free_loopback_port();
  std::fflush(nullptr);
  pid_t nginx = fork_child();
  if (nginx == 0)
    exec_argv({SYNCLINE_SOURCE_DIR "/scripts/tls-front", "nginx", dir, std::to_string(front_port),
               std::to_string(server.port())});
  Http http(server.port());
  auto who = sign_up(http, "Bench");
  auto org = std::string(create_org(http, who)["id"].as_string());
  if (!wait_until(
          [&] {
            return sql_value("SELECT count(*) FROM pg_replication_slots", cluster.url()) == "1";
          },
          30s)) {
    std::fprintf(stderr, "bench_front: the CDC worker did not start\n");
    return 1;
  }
  syncline::client::LiveStream::Options direct{"127.0.0.1", server.port(), who.token, org, "now"};
  auto front = direct;
  front.host = "localhost";
  front.port = front_port;
  front.tls = true;
  front.ca_file = dir + "/ca.pem";
  fan_out(http, who, org, direct, 10, 10, rate, "warm-");  // connections, caches, JIT of the bus
  auto base = fan_out(http, who, org, direct, k, writes, rate, "direct-");
  auto via = fan_out(http, who, org, front, k, writes, rate, "front-");
  kill(nginx, SIGTERM);
  waitpid(nginx, nullptr, 0);
  std::printf("fan-out to %d subscribers, %d writes at %d/s (from just before the POST):\n", k,
              writes, rate);
  std::printf("  direct http to the node   p50 %7.2f ms  p99 %7.2f ms  (%zu deliveries)\n",
              pct(base, 0.5), pct(base, 0.99), base.size());
  std::printf("  through nginx over TLS    p50 %7.2f ms  p99 %7.2f ms  (%zu deliveries)\n",
              pct(via, 0.5), pct(via, 0.99), via.size());
  std::printf("  ratio front / direct      p50 %7.2f     p99 %7.2f\n",
              pct(via, 0.5) / std::max(pct(base, 0.5), 1e-9),
              pct(via, 0.99) / std::max(pct(base, 0.99), 1e-9));
  std::filesystem::remove_all(dir);
  return 0;
}
