// bench_hostile: what hostile tenants cost the others (issue 11, DESIGN §12; by hand only:
// scripts/bench-hostile, never in CI). Starts its own throwaway cluster, `syncline serve`
// (--stream-write-timeout 5) and a CDC worker, then prints one line per figure, each against a
// baseline measured in the same run:
//   1. another org's write → delivery latency (p50/p99) while an attacker org sends pairs of
//      PATCHes with txIds 50 s ahead and back to 1970 on an entity too large for a NOTIFY, vs
//      the same writes without the attack (goal: p99 ≤ 1.5 × baseline and < 50 ms);
//   2. the API node's RSS growth while 16 readers that never read hold streams of an org whose
//      frames are ≈ 1.2 MB, and after the write timeout closed them (goal: < 128 MiB);
//   3. legitimate sign-ins from one address while 40 connections flood sign-in from another,
//      vs the same sign-ins without the flood (goal: ≥ 99 % succeed);
//   4. a member's reads of one list page while 64 clients on 16 addresses flood sign-up and
//      sign-in, vs the same reads beside the legitimate hashing load alone (a sign-in every
//      200 ms) (SEC-050; goal: p99 ≤ 2 × baseline).
// Env-free; flags: --writes N (per latency phase, default 200), --flood-seconds S (default 10).
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "flags.h"
#include "support/cluster.h"
#include "support/fixtures.h"
#include "support/hostile.h"
#include "support/mutations.h"
#include "support/sse_client.h"

namespace json = boost::json;
using namespace syncline::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// N creates at 20/s in `org`; returns write → delivery latencies (ms) seen on the org's stream.
std::vector<double> victim_latencies(const Http& http, const TestUser& who, const std::string& org,
                                     int writes, const std::string& prefix) {
  auto base = "/organizations/" + org;
  SseClient stream(http.port(), base + "/live?live=sse&offset=now", who.token);
  while (auto e = stream.next(5s))
    if (e->event == "offset") break;
  std::mutex mu;
  std::map<std::string, Clock::time_point> sent;
  std::vector<double> out;
  std::thread reader([&] {
    while (static_cast<int>(out.size()) < writes) {
      auto e = stream.next(10s);
      if (!e) break;
      if (e->event != "change") continue;
      auto id = std::string(json::parse(e->data).as_object()["entityId"].as_string());
      std::lock_guard lock(mu);
      if (auto it = sent.find(id); it != sent.end()) out.push_back(ms_since(it->second));
    }
  });
  auto next = Clock::now();
  for (int i = 0; i < writes; ++i) {
    std::this_thread::sleep_until(next);
    next += 50ms;
    auto id = prefix + std::to_string(i);
    {
      std::lock_guard lock(mu);
      sent[id] = Clock::now();
    }
    http.send("POST", base + "/pages", create_body({{"id", id}, {"name", id}}, next_tx_id()),
              who.token);
  }
  reader.join();
  return out;
}

void stale_attack(const Http& http, const TestUser& attacker, const std::string& org,
                  const std::string& page, std::atomic<bool>& on, std::atomic<long>& writes) {
  auto path = "/organizations/" + org + "/pages/" + page;
  std::optional<std::string> expected;
  for (long i = 0; on; ++i) {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    auto future = fmt::format("{:013d}.{:04d}.attacker{:04d}", now + 50'000, i % 10000, i % 7);
    auto past = fmt::format("{:013d}.{:04d}.attacker{:04d}", 1000 + i, 0, i % 7);
    for (const auto& tx : {future, past})
      if (http.send("PATCH", path, update_body("displayOrder", json::value(i), tx, expected),
                    attacker.token)
              .status == 200) {
        expected = tx;
        ++writes;
      }
  }
}

int sign_in(const Http& http, const std::string& email, const std::string& password) {
  return http
      .request("POST", "/auth/sign-in",
               json::serialize(json::object{{"email", email}, {"password", password}}),
               {{"Content-Type", "application/json"}})
      .status;
}

// Legitimate sign-ins every 200 ms for `seconds`, from 127.0.0.3: {succeeded, tried}.
std::pair<int, int> legit_sign_ins(const Http& http, const TestUser& who, int seconds) {
  int ok = 0, tried = 0;
  auto legit = http.from("127.0.0.3");
  auto end = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < end) {
    ok += sign_in(legit, who.email, "correct horse battery") == 200;
    ++tried;
    std::this_thread::sleep_for(200ms);
  }
  return {ok, tried};
}

// A member's reads of one list page, every 50 ms for `seconds`, each in ms; a legitimate
// sign-in from 127.0.0.3 every 200 ms meanwhile (the hashing load both phases share).
std::vector<double> reads_beside_sign_ins(const Http& http, const TestUser& who,
                                          const std::string& org, int seconds) {
  std::atomic<bool> on{true};
  std::thread hashing([&] {
    auto legit = http.from("127.0.0.3");
    while (on) {
      sign_in(legit, who.email, "correct horse battery");
      std::this_thread::sleep_for(200ms);
    }
  });
  std::vector<double> out;
  const auto end = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < end) {
    auto t0 = Clock::now();
    http.get("/organizations/" + org + "/pages?limit=50", who.token);
    out.push_back(ms_since(t0));
    std::this_thread::sleep_for(50ms);
  }
  on = false;
  hashing.join();
  return out;
}

// 64 clients on 127.0.0.10..25, half signing up, half signing in with wrong passwords, each
// pausing 10 ms after an answer (100 ms after a 429), until `on` ends.
void sign_up_flood(const Http& http, std::atomic<bool>& on, std::atomic<long>& created,
                   std::atomic<long>& refused) {
  std::vector<std::thread> flood;
  for (int address = 0; address < 16; ++address)
    for (int k = 0; k < 4; ++k)
      flood.emplace_back([&, address, k] {
        auto from = http.from(fmt::format("127.0.0.{}", 10 + address));
        for (long i = 0; on; ++i) {
          auto email = fmt::format("flood-{}-{}-{}-{}@example.test", address, k, i, next_tx_id());
          int st = k % 2 == 0
                       ? from.request("POST", "/auth/sign-up",
                                      json::serialize(json::object{{"email", email},
                                                                   {"password", "long enough pw"},
                                                                   {"name", "Flood"}}),
                                      {{"Content-Type", "application/json"}})
                             .status
                       : sign_in(from, email, "wrong password");
          if (st == 201) ++created;
          if (st == 429) ++refused;
          std::this_thread::sleep_for(st == 429 ? 100ms : 10ms);
        }
      });
  for (auto& t : flood) t.join();
}

}  // namespace

int main(int argc, char** argv) {
  int writes = 200, flood_seconds = 10;
  bench::Flags flags("bench_hostile", "[--writes N] [--flood-seconds S]");
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    if (a == "--writes")
      writes = static_cast<int>(flags.integer(a, argv[i + 1], 10, 100'000));
    else if (a == "--flood-seconds")
      flood_seconds = static_cast<int>(flags.integer(a, argv[i + 1], 1, 3600));
    else
      flags.usage(fmt::format("unknown argument {}", a));
  }
  Cluster cluster;
  Server server(cluster.url(), "serve", {"--stream-write-timeout", "5"});
  // The same API with the per-org write quota a multi-tenant deployment would set.
  Server quota_node(cluster.url(), "serve", {"--org-write-rate", "500"});
  Process cdc(cluster.url(), {"cdc"});
  Http http(server.port());
  auto victim = sign_up(http, "Victim");
  auto victim_org = std::string(create_org(http, victim)["id"].as_string());
  if (!wait_until(
          [&] {
            return sql_value("SELECT count(*) FROM pg_replication_slots", cluster.url()) == "1";
          },
          30s)) {
    std::fprintf(stderr, "bench_hostile: the CDC worker did not start\n");
    return 1;
  }

  // 1. Stale-txId attack vs another org's deliveries.
  auto attacker = sign_up(http, "Attacker");
  auto attacker_org = std::string(create_org(http, attacker)["id"].as_string());
  http.send("POST", "/organizations/" + attacker_org + "/pages",
            create_body({{"id", "big"}, {"name", "b"}, {"description", std::string(8000, 'x')}},
                        next_tx_id()),
            attacker.token);
  victim_latencies(http, victim, victim_org, 20, "warm");
  auto base = victim_latencies(http, victim, victim_org, writes, "base");
  for (const auto* node : {&server, &quota_node}) {
    Http on(node->port());
    std::atomic<bool> attacking{true};
    std::atomic<long> attack_writes{0};
    std::vector<std::thread> attack;
    for (int i = 0; i < 2; ++i)
      attack.emplace_back(
          [&] { stale_attack(on, attacker, attacker_org, "big", attacking, attack_writes); });
    auto under = victim_latencies(on, victim, victim_org, writes,
                                  node == &server ? "attacked" : "attacked-quota");
    attacking = false;
    for (auto& t : attack) t.join();
    fmt::print(
        "stale-txId attack ({}): other org p50 {:.2f} ms, p99 {:.2f} ms (delivered {}/{}) vs "
        "baseline p50 {:.2f} ms, p99 {:.2f} ms: p99 ratio {:.2f} (goal <= 1.5 and < 50 ms); "
        "{} attack writes\n",
        node == &server ? "no write quota" : "--org-write-rate 500", pct(under, 0.5),
        pct(under, 0.99), under.size(), writes, pct(base, 0.5), pct(base, 0.99),
        pct(under, 0.99) / std::max(pct(base, 0.99), 0.001), attack_writes.load());
  }

  // 2. Stalled readers of 1.2 MB frames.
  auto pages = "/organizations/" + victim_org + "/pages";
  auto tx = next_tx_id();
  http.send("POST", pages,
            create_body(
                {{"id", "huge"}, {"name", "h"}, {"description", std::string(99'999, '\x01')}}, tx),
            victim.token);
  http.send(
      "PATCH", pages + "/huge",
      update_body("keywords", json::value(std::string(99'999, '\x01')), next_tx_id(), std::nullopt),
      victim.token);
  std::this_thread::sleep_for(1s);
  auto rss_before = rss_kib(server.pid());
  std::vector<int> stalled;
  for (int i = 0; i < 16; ++i)
    stalled.push_back(open_stalled_stream(
        server.port(), "/organizations/" + victim_org + "/live?live=sse&offset=now", victim.token));
  wait_until([&] { return gauge(http, "syncline_stream_subscribers") >= 16; }, 10s);
  long peak = rss_kib(server.pid());
  for (int i = 0; i < 12; ++i) {
    auto next = next_tx_id();
    http.send("PATCH", pages + "/huge",
              update_body("description", json::value(std::string(99'999, '\x01') + char('a' + i)),
                          next, tx),
              victim.token);
    tx = next;
    peak = std::max(peak, rss_kib(server.pid()));
  }
  auto closed = wait_until(
      [&] {
        peak = std::max(peak, rss_kib(server.pid()));
        return gauge(http, "syncline_stream_subscribers") == 0;
      },
      60s);
  for (int fd : stalled) close(fd);
  std::this_thread::sleep_for(12s);  // two trims
  auto rss_after = rss_kib(server.pid());
  fmt::print(
      "16 stalled readers of 1.2 MB frames: RSS {} MiB before, peak +{:.1f} MiB, +{:.1f} MiB "
      "after they were closed ({}) (goal: growth < 128 MiB)\n",
      rss_before / 1024, (peak - rss_before) / 1024.0, (rss_after - rss_before) / 1024.0,
      closed ? "all closed by the write timeout" : "NOT all closed within 60 s");

  // 3. Sign-in flood from one address vs legitimate sign-ins from another.
  auto [base_ok, base_tried] = legit_sign_ins(http, victim, flood_seconds / 2 + 1);
  std::atomic<bool> flooding{true};
  std::atomic<long> refused{0}, tried{0};
  std::vector<std::thread> flood;
  auto from = http.from("127.0.0.2");
  for (int i = 0; i < 40; ++i)
    flood.emplace_back([&, i] {
      for (long k = 0; flooding; ++k) {
        int st = sign_in(from, fmt::format("nobody{}-{}@example.test", i, k), "wrong");
        ++(st == 429 ? refused : tried);
      }
    });
  std::this_thread::sleep_for(500ms);
  auto [ok, total] = legit_sign_ins(http, victim, flood_seconds);
  flooding = false;
  for (auto& t : flood) t.join();
  fmt::print(
      "sign-in flood (40 connections, one address): legitimate sign-ins from another address "
      "{}/{} = {:.1f} % vs baseline {}/{} = {:.1f} % (goal >= 99 %); flood: {} refused, {} "
      "hashed\n",
      ok, total, 100.0 * ok / std::max(total, 1), base_ok, base_tried,
      100.0 * base_ok / std::max(base_tried, 1), refused.load(), tried.load());

  // 4. Sign-up and sign-in flood from 16 addresses vs a member's reads (SEC-050).
  Server front(cluster.url(), "serve", {"--sign-up-burst", "20"});
  Http front_http(front.port());
  auto member = sign_up(front_http, "Reader");
  auto member_org = std::string(create_org(front_http, member)["id"].as_string());
  reads_beside_sign_ins(front_http, member, member_org, 1);  // warm
  auto calm = reads_beside_sign_ins(front_http, member, member_org, flood_seconds / 2 + 1);
  std::atomic<bool> signing_up{true};
  std::atomic<long> created{0}, up_refused{0};
  std::thread storm([&] { sign_up_flood(front_http, signing_up, created, up_refused); });
  std::this_thread::sleep_for(500ms);
  auto stormy = reads_beside_sign_ins(front_http, member, member_org, flood_seconds);
  signing_up = false;
  storm.join();
  fmt::print(
      "sign-up/sign-in flood (64 clients, 16 addresses): a member's reads p50 {:.2f} ms, p99 "
      "{:.2f} ms vs baseline p50 {:.2f} ms, p99 {:.2f} ms beside the same legitimate hashing: "
      "p99 ratio {:.2f} (goal <= 2); flood: {} created, {} refused (429)\n",
      pct(stormy, 0.5), pct(stormy, 0.99), pct(calm, 0.5), pct(calm, 0.99),
      pct(stormy, 0.99) / std::max(pct(calm, 0.99), 0.001), created.load(), up_refused.load());
  cdc.signal_and_wait(SIGTERM);
  sql_value("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active",
            cluster.url());
  return 0;
}
