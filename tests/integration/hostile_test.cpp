// Hostile tenants (DESIGN §12, SEC-020..049): each attack of issue 11 reproduced against the
// real server and Postgres, asserted on outcomes with generous deadlines (never on timings):
// another org keeps receiving during a stale-txId attack, stalled readers of 1.2 MB frames are
// closed and their memory freed, caps answer 429/503 with Retry-After, pages stay bounded.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "support/cdc_fixture.h"
#include "support/fixtures.h"
#include "support/hostile.h"
#include "support/mutations.h"
#include "support/sse_client.h"

namespace syncline::test {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class Hostile : public WithCdcWorker {
 protected:
  // A page whose entity JSON is ≈ 1.2 MB: 2 × 100,000 × U+0001, 6 bytes each once escaped.
  // Returns the transaction that last wrote `description`.
  std::string create_huge(const Http& http, const TestUser& who, const std::string& org,
                          const std::string& id) {
    auto base = "/organizations/" + org + "/pages";
    auto tx = next_tx_id();
    auto r = http.send(
        "POST", base,
        create_body({{"id", id}, {"name", "huge"}, {"description", control_text('a')}}, tx),
        who.token);
    EXPECT_EQ(r.status, 201) << r.body.substr(0, 300);
    r = http.send(
        "PATCH", base + "/" + id,
        update_body("keywords", json::value(control_text('b')), next_tx_id(), std::nullopt),
        who.token);
    EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
    return tx;
  }
  static std::string control_text(char last) {
    std::string s(99'999, '\x01');
    return s + last;
  }
};

TEST_F(Hostile, StaleTransactionIdsOfOneOrgDoNotDelayAnotherOrgSEC020) {
  // The attacker: its own account and org, an entity too large for a NOTIFY, and pairs of
  // writes whose txIds go 50 s into the future and back to 1970.
  auto attacker = sign_up(http_, "Attacker");
  auto attacker_org = std::string(create_org(http_, attacker)["id"].as_string());
  auto pages = "/organizations/" + attacker_org + "/pages";
  ASSERT_EQ(
      http_
          .send("POST", pages,
                create_body({{"id", "big"}, {"name", "b"}, {"description", std::string(8000, 'x')}},
                            next_tx_id()),
                attacker.token)
          .status,
      201);
  std::atomic<bool> attacking{true};
  std::atomic<int> attack_writes{0};
  std::thread attack([&] {
    auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    std::optional<std::string> expected;
    for (int i = 0; i < 400; ++i) {
      char future[40], past[40];
      std::snprintf(future, sizeof future, "%013lld.%04d.attacker0001",
                    static_cast<long long>(now_ms + 50'000), i % 10000);
      std::snprintf(past, sizeof past, "%013d.%04d.attacker0001", 1000 + i, 0);
      for (const char* tx : {future, past}) {
        auto r =
            http_.send("PATCH", pages + "/big",
                       update_body("displayOrder", json::value(i), tx, expected), attacker.token);
        if (r.status == 200) {
          expected = tx;
          ++attack_writes;
        }
      }
    }
    attacking = false;
  });

  // The victim (this fixture's org) writes and watches its own stream meanwhile.
  auto victim =
      std::make_unique<SseClient>(http_.port(), base_ + "/live?live=sse&offset=now", admin_.token);
  ASSERT_EQ(victim->status(), 200);
  ASSERT_TRUE(victim->next_of("offset", 10s));
  std::vector<double> latencies_ms;
  int during_attack = 0;
  for (int i = 0; i < 30 && (attacking || i < 10); ++i) {
    bool was_attacking = attacking;
    auto id = "v" + std::to_string(i);
    auto sent = Clock::now();
    ASSERT_EQ(http_
                  .send("POST", base_ + "/pages",
                        create_body({{"id", id}, {"name", id}}, next_tx_id()), admin_.token)
                  .status,
              201);
    auto got = victim->next_of("change", 5s);
    ASSERT_TRUE(got) << "the victim's write " << id << " was not delivered within 5 s";
    EXPECT_EQ(json::parse(got->data).as_object()["entityId"].as_string(), id);
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
    if (was_attacking && attacking) ++during_attack;
  }
  attack.join();
  EXPECT_GT(attack_writes.load(), 400) << "the attack did not run";
  EXPECT_GT(during_attack, 0) << "no victim write overlapped the attack";
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::printf("victim deliveries during the stale-txId attack: %d overlapped, max %.1f ms\n",
              during_attack, latencies_ms.back());
}

TEST_F(Hostile, StalledReadersOfHugeFramesAreClosedAndMemoryReturnsSEC031) {
  // A node of its own, so its memory is this test's alone; a short write timeout.
  Server node(db_url(), "serve", {"--stream-write-timeout", "3"});
  Http http(node.port());
  auto expected = create_huge(http, admin_, org_, "huge");
  auto target = base_ + "/live?live=sse&offset=now";
  std::vector<int> stalled;
  for (int i = 0; i < 16; ++i)
    stalled.push_back(open_stalled_stream(node.port(), target, admin_.token));
  ASSERT_TRUE(wait_until([&] { return gauge(http, "syncline_stream_subscribers") == 16; }, 10s));
  auto before = rss_kib(node.pid());
  long peak = before;
  for (int i = 0; i < 12; ++i) {
    auto tx = next_tx_id();
    auto r =
        http.send("PATCH", base_ + "/pages/huge",
                  update_body("description", json::value(control_text(static_cast<char>('c' + i))),
                              tx, expected),
                  admin_.token);
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
    expected = tx;
    peak = std::max(peak, rss_kib(node.pid()));
  }
  // Every stalled reader is closed by the write timeout; the node stays up and serves.
  ASSERT_TRUE(wait_until(
      [&] {
        peak = std::max(peak, rss_kib(node.pid()));
        return gauge(http, "syncline_stream_subscribers") == 0;
      },
      60s))
      << gauge(http, "syncline_stream_subscribers") << " stalled streams still open";
  EXPECT_EQ(http.get("/health").status, 200);
  for (int fd : stalled) close(fd);
  // Freed memory goes back to the OS (trimmed every few seconds).
  long after = 0;
  wait_until(
      [&] {
        after = rss_kib(node.pid());
        return after - before < 16 * 1024;
      },
      20s);
  std::printf(
      "RSS with 16 stalled readers of 1.2 MB frames: before %ld MiB, peak +%ld MiB, "
      "after +%ld MiB\n",
      before / 1024, (peak - before) / 1024, (after - before) / 1024);
#if defined(__SANITIZE_ADDRESS__)
  // ASan's allocator keeps freed memory in quarantine: RSS says nothing about glibc's here.
  std::printf("(RSS bounds not asserted under AddressSanitizer)\n");
#else
  EXPECT_LT(peak - before, 128 * 1024) << "peak RSS growth (KiB)";
  EXPECT_LT(after - before, 16 * 1024) << "RSS growth left after the readers were closed (KiB)";
#endif
}

TEST_F(Hostile, StreamsPerSessionAreCappedWith429SEC034) {
  std::vector<std::unique_ptr<SseClient>> open;
  for (int i = 0; i < 16; ++i) {
    open.push_back(
        std::make_unique<SseClient>(http_.port(), base_ + "/live?live=sse", admin_.token));
    ASSERT_EQ(open.back()->status(), 200) << i;
  }
  SseClient refused(http_.port(), base_ + "/live?live=sse", admin_.token);
  EXPECT_EQ(refused.status(), 429);
  EXPECT_NE(refused.head().find("Retry-After: "), std::string::npos) << refused.head();
  // Another session of the same user is not affected.
  auto second =
      json::parse(http_
                      .send("POST", "/auth/sign-in",
                            {{"email", admin_.email}, {"password", "correct horse battery"}})
                      .body);
  ASSERT_TRUE(second.is_object() && second.as_object().contains("token"))
      << json::serialize(second);
  SseClient other(http_.port(), base_ + "/live?live=sse",
                  std::string(second.as_object()["token"].as_string()));
  EXPECT_EQ(other.status(), 200);
  // A closed stream frees its place.
  open.pop_back();
  EXPECT_TRUE(wait_until([&] {
    return SseClient(http_.port(), base_ + "/live?live=sse", admin_.token).status() == 200;
  }));
}

TEST_F(Hostile, ConnectionsAndStreamsPerNodeAreCappedWith503SEC034) {
  Server node(db_url(), "serve", {"--max-connections", "6", "--max-streams", "2"});
  // Streams: the third is refused by the node, whoever asks.
  auto member = sign_up(http_, "Member");
  add_member(http_, admin_, org_, member, "member");
  SseClient a(node.port(), base_ + "/live?live=sse", admin_.token);
  SseClient b(node.port(), base_ + "/live?live=sse", member.token);
  ASSERT_EQ(a.status(), 200);
  ASSERT_EQ(b.status(), 200);
  SseClient c(node.port(), base_ + "/live?live=sse", member.token);
  EXPECT_EQ(c.status(), 503);
  EXPECT_NE(c.head().find("Retry-After: "), std::string::npos) << c.head();
  // Connections: two streams + four idle sockets fill the node; the next one is answered 503.
  Http http(node.port());
  EXPECT_FALSE(c.next(5s));  // the refused stream is closed …
  ASSERT_TRUE(wait_until([&] { return gauge(http, "syncline_http_connections") == 3; }))
      << "open connections: " << gauge(http, "syncline_http_connections");  // … and uncounted
  // The gauge's own connection (one per request) closes asynchronously, so it may still hold
  // a place while the first idle sockets arrive: three or four of them fill the node. An
  // accepted socket answers nothing (it sent no request); the first refused one answers 503.
  std::vector<int> idle;
  std::string answer;
  for (int i = 0; i < 6 && answer.empty(); ++i) {
    int fd = connect_to(node.port());
    pollfd readable{fd, POLLIN, 0};
    if (poll(&readable, 1, 1000) > 0)
      answer = read_some(fd, 5s);  // read_some closes it
    else
      idle.push_back(fd);
  }
  EXPECT_GE(idle.size(), 3u);
  EXPECT_LE(idle.size(), 4u);
  EXPECT_NE(answer.find("503"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Retry-After: 5"), std::string::npos) << answer;
  // Full now, whatever the timing: the next one is refused as well.
  int again = connect_to(node.port());
  EXPECT_NE(read_some(again, 5s).find("503"), std::string::npos);
  for (int fd : idle) close(fd);
  EXPECT_TRUE(wait_until([&] { return http.get("/health").status == 200; }));
}

TEST_F(Hostile, AnOrgWritingPastItsQuotaGets429AndOthersDoNotSEC039) {
  Server node(db_url(), "serve", {"--org-write-rate", "5"});
  Http http(node.port());
  std::vector<int> got;
  for (int i = 0; i < 12; ++i)
    got.push_back(
        http.send("POST", base_ + "/pages",
                  create_body({{"id", "q" + std::to_string(i)}, {"name", "q"}}, next_tx_id()),
                  admin_.token)
            .status);
  EXPECT_EQ(std::count(got.begin(), got.end(), 201), 10) << "a burst of twice the rate";
  auto r = http.send("POST", base_ + "/pages",
                     create_body({{"id", "q-last"}, {"name", "q"}}, next_tx_id()), admin_.token);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.error_code(), "RATE_LIMITED");
  EXPECT_FALSE(r.headers["retry-after"].empty());
  // Another org has its own quota.
  auto other = sign_up(http_, "Other tenant");
  auto other_org = std::string(create_org(http_, other)["id"].as_string());
  EXPECT_EQ(http.send("POST", "/organizations/" + other_org + "/pages",
                      create_body({{"id", "x"}, {"name", "x"}}, next_tx_id()), other.token)
                .status,
            201);
  // Refused writes committed nothing; reads are not limited.
  EXPECT_EQ(http.get(base_ + "/pages/q-last", admin_.token).status, 404);
  EXPECT_TRUE(wait_until(
      [&] {
        return http.send("POST", base_ + "/pages",
                         create_body({{"id", "q-later"}, {"name", "q"}}, next_tx_id()),
                         admin_.token)
                   .status == 201;
      },
      5s));
}

TEST_F(Hostile, ListsAndCatchUpPagesAreCutAtFourMiBSEC032) {
  for (int i = 0; i < 6; ++i) create_huge(http_, admin_, org_, "h" + std::to_string(i));
  // Lists: limit=500 asks for everything; pages stay ≤ 4 MiB (plus one entity) and continue.
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto r = http_.get(base_ + "/pages?limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor),
                       admin_.token);
    ASSERT_EQ(r.status, 200);
    EXPECT_LT(r.body.size(), (4u << 20) + (2u << 20));
    auto page = json::parse(r.body).as_object();
    for (auto& item : page["items"].as_array())
      EXPECT_TRUE(
          seen.insert(std::string(item.as_object()["data"].as_object()["id"].as_string())).second);
    cursor = page["nextCursor"].is_null() ? "" : std::string(page["nextCursor"].as_string());
    ++pages;
  } while (!cursor.empty() && pages < 20);
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_GE(pages, 2);
  // JSON catch-up: the same bound; the cursor continues until every activity was seen.
  ASSERT_TRUE(wait_until([&] {
    return sql_value("SELECT count(*) FROM activities WHERE organization_id = '" + org_ + "'") ==
           "12";
  }));
  std::string offset = "-1";
  int activities = 0;
  for (int round = 0; round < 20; ++round) {
    auto r = http_.get(base_ + "/live?offset=" + offset, admin_.token);
    ASSERT_EQ(r.status, 200);
    EXPECT_LT(r.body.size(), (4u << 20) + (2u << 20));
    auto page = json::parse(r.body).as_object();
    auto n = page["activities"].as_array().size();
    if (n == 0) break;
    activities += static_cast<int>(n);
    offset = std::to_string(page["cursor"].as_int64());
  }
  EXPECT_EQ(activities, 12);
}

TEST_F(Hostile, TheSameIdInTwoOrgsIsTwoEntitiesSEC046) {
  auto other = sign_up(http_, "Other tenant");
  auto other_org = std::string(create_org(http_, other)["id"].as_string());
  auto mine = base_ + "/pages", theirs = "/organizations/" + other_org + "/pages";
  SseClient my_stream(http_.port(), base_ + "/live?live=sse&offset=now", admin_.token);
  SseClient their_stream(http_.port(), "/organizations/" + other_org + "/live?live=sse&offset=now",
                         other.token);
  ASSERT_TRUE(my_stream.next_of("offset", 10s));
  ASSERT_TRUE(their_stream.next_of("offset", 10s));
  // Creating an id another org uses is no oracle and no conflict: it is another entity.
  auto mine_tx = next_tx_id();
  ASSERT_EQ(http_
                .send("POST", mine, create_body({{"id", "demo-page-1"}, {"name", "mine"}}, mine_tx),
                      admin_.token)
                .status,
            201);
  auto their_tx = next_tx_id();
  auto r =
      http_.send("POST", theirs, create_body({{"id", "demo-page-1"}, {"name", "theirs"}}, their_tx),
                 other.token);
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(http_
                .send("PATCH", theirs + "/demo-page-1",
                      update_body("name", json::value("theirs, renamed"), next_tx_id(), their_tx),
                      other.token)
                .status,
            200);
  ASSERT_EQ(http_
                .send("DELETE", mine + "/demo-page-1", delete_body(next_tx_id(), std::nullopt),
                      admin_.token)
                .status,
            200);
  EXPECT_EQ(http_.get(mine + "/demo-page-1", admin_.token).status, 404);
  auto kept = http_.get(theirs + "/demo-page-1", other.token).json().as_object();
  EXPECT_EQ(kept["data"].as_object()["name"].as_string(), "theirs, renamed");
  // Each org's stream carries its own entity only.
  auto a1 = json::parse(my_stream.next_of("change", 10s)->data).as_object();
  auto a2 = json::parse(my_stream.next_of("change", 10s)->data).as_object();
  EXPECT_EQ(a1["data"].as_object()["name"].as_string(), "mine");
  EXPECT_EQ(a2["action"].as_string(), "delete");
  auto b1 = json::parse(their_stream.next_of("change", 10s)->data).as_object();
  auto b2 = json::parse(their_stream.next_of("change", 10s)->data).as_object();
  EXPECT_EQ(b1["data"].as_object()["name"].as_string(), "theirs");
  EXPECT_EQ(b2["data"].as_object()["name"].as_string(), "theirs, renamed");
  EXPECT_FALSE(their_stream.next_of("change", 500ms)) << "the other org's delete leaked";
}

TEST_F(Hostile, AReferenceMustNameAnEntityOfTheSameOrgSEC047) {
  auto other = sign_up(http_, "Other tenant");
  auto other_org = std::string(create_org(http_, other)["id"].as_string());
  auto theirs = "/organizations/" + other_org;
  ASSERT_EQ(http_
                .send("POST", base_ + "/pages",
                      create_body({{"id", "parent-a"}, {"name", "p"}}, next_tx_id()), admin_.token)
                .status,
            201);
  // Pointing into another org: 422, and nothing written (the same txId works once fixed).
  auto tx = next_tx_id();
  auto r = http_.send("POST", theirs + "/pages",
                      create_body({{"id", "child"}, {"name", "c"}, {"parentId", "parent-a"}}, tx),
                      other.token);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.error_code(), "INVALID_REFERENCE");
  r = http_.send("POST", theirs + "/attachments",
                 create_body({{"id", "att"},
                              {"name", "a"},
                              {"filename", "a.txt"},
                              {"contentType", "text/plain"},
                              {"size", 1},
                              {"groupId", "parent-a"}},
                             next_tx_id()),
                 other.token);
  EXPECT_EQ(r.error_code(), "INVALID_REFERENCE");
  EXPECT_EQ(http_
                .send("POST", theirs + "/pages", create_body({{"id", "child"}, {"name", "c"}}, tx),
                      other.token)
                .status,
            201);
  // Within the org: allowed; an update to a missing entity is 422, null is fine.
  auto child_tx = next_tx_id();
  ASSERT_EQ(
      http_
          .send("POST", base_ + "/pages",
                create_body({{"id", "child"}, {"name", "c"}, {"parentId", "parent-a"}}, child_tx),
                admin_.token)
          .status,
      201);
  r = http_.send("PATCH", base_ + "/pages/child",
                 update_body("parentId", json::value("nope"), next_tx_id(), child_tx),
                 admin_.token);
  EXPECT_EQ(r.error_code(), "INVALID_REFERENCE");
  EXPECT_EQ(http_
                .send("PATCH", base_ + "/pages/child",
                      update_body("parentId", nullptr, next_tx_id(), child_tx), admin_.token)
                .status,
            200);
}

TEST_F(Hostile, AMembershipRemovedWhileAStreamOpensClosesItSEC040) {
  // The removal races the stream's opening; whichever way the race goes, the member ends up
  // without a stream within a second or two (never kept until the 60 s sweep).
  for (int round = 0; round < 12; ++round) {
    auto member = sign_up(http_, "Leaving member");
    add_member(http_, admin_, org_, member, "member");
    std::thread remover([&, round] {
      std::this_thread::sleep_for(std::chrono::microseconds(round * 400));
      auto r = http_.request("DELETE", base_ + "/memberships/" + member.id, std::nullopt,
                             {{"Authorization", "Bearer " + admin_.token}});
      EXPECT_EQ(r.status, 204) << r.body;
    });
    SseClient c(http_.port(), base_ + "/live?live=sse&offset=now", member.token);
    remover.join();
    if (c.status() == 200) {
      auto end = Clock::now() + 5s;
      bool closed = false;
      while (!closed && Clock::now() < end) {
        auto e = c.next(std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()));
        closed = !e || (e->event == "error" && e->data.find("forbidden") != std::string::npos);
      }
      EXPECT_TRUE(closed && Clock::now() < end) << "round " << round << ": the stream stayed open";
    } else {
      EXPECT_EQ(c.status(), 403) << "round " << round;
    }
  }
}

TEST_F(Hostile, ExtremeNumbersCrossTheChangeFeedIntactSEC038) {
  // Found by fuzzing the CDC value conversion: 1e308 was cast to an integer (undefined).
  SseClient c(http_.port(), base_ + "/live?live=sse&offset=now", admin_.token);
  ASSERT_TRUE(c.next_of("offset", 10s));
  auto tx = next_tx_id();
  ASSERT_EQ(http_
                .send("POST", base_ + "/pages",
                      create_body({{"id", "far"}, {"name", "far"}, {"displayOrder", 1e308}}, tx),
                      admin_.token)
                .status,
            201);
  ASSERT_EQ(
      http_
          .send("PATCH", base_ + "/pages/far",
                update_body("displayOrder", json::value(-9.5e15), next_tx_id(), tx), admin_.token)
          .status,
      200);
  auto first = json::parse(c.next_of("change", 10s)->data).as_object();
  auto second = json::parse(c.next_of("change", 10s)->data).as_object();
  EXPECT_EQ(first["data"].as_object()["displayOrder"].to_number<double>(), 1e308);
  EXPECT_EQ(second["data"].as_object()["displayOrder"].to_number<double>(), -9.5e15);
}

TEST_F(Hostile, OpsRoutesNeedTheOpsTokenWhenOneIsSetSEC049) {
  Server node(db_url(), "serve", {"--ops-token", "s3cret-ops-token"});
  Http http(node.port());
  for (const char* path : {"/metrics", "/health/sync"}) {
    EXPECT_EQ(http.get(path).status, 401) << path;
    EXPECT_EQ(http.get(path, "wrong-token").status, 401) << path;
    EXPECT_EQ(http.get(path, admin_.token).status, 401) << path;  // a user session is not enough
    auto r = http.get(path, "s3cret-ops-token");
    EXPECT_NE(r.status, 401) << path;
    EXPECT_NE(r.body.find("cdc"), std::string::npos) << path;
    if (std::string(path) == "/health/sync") {  // with the token: the workers, by host:pid
      EXPECT_NE(r.body.find("\"workers\""), std::string::npos) << r.body;
    }
  }
  EXPECT_EQ(http.get("/health").status, 200);  // load balancers need no token
  // SEC-050: the systemd unit's way, a file (its first word: the newline is not the token's).
  auto dir = make_temp_dir("syncline-ops");
  std::ofstream(dir + "/ops-token") << "from-a-file\n";
  Server filed(db_url(), "serve", {"--ops-token-file", dir + "/ops-token"});
  Http h(filed.port());
  EXPECT_EQ(h.get("/metrics").status, 401);
  EXPECT_EQ(h.get("/metrics", "from-a-file").status, 200);
  EXPECT_NE(run_command({SYNCLINE_BINARY, "--database-url", db_url(), "serve", "--ops-token-file",
                         dir + "/missing"}),
            0);
  std::filesystem::remove_all(dir);
}

namespace {
int sign_in_status(const Http& http, const std::string& email, const std::string& password,
                   std::map<std::string, std::string> headers = {}) {
  headers["Content-Type"] = "application/json";
  return http
      .request("POST", "/auth/sign-in",
               json::serialize(json::object{{"email", email}, {"password", password}}), headers)
      .status;
}
}  // namespace

TEST_F(Hostile, SignInsFromAnotherAddressSucceedDuringAFloodSEC041) {
  std::atomic<bool> flooding{true};
  std::atomic<int> flood_429{0}, flood_401{0}, flood_other{0};
  std::vector<std::thread> flood;
  auto attacker = http_.from("127.0.0.2");
  // 40 threads, one connection per request, paced at 40 requests/s each: thousands of
  // requests, well past the bucket, yet not the tens of thousands of loopback connections in
  // TIME_WAIT that would exhaust the ephemeral ports of every later test on this box.
  for (int i = 0; i < 40; ++i)
    flood.emplace_back([&, i] {
      for (int k = 0; flooding; ++k) {
        int st = 0;
        try {
          st = sign_in_status(attacker, "nobody" + std::to_string(i * 1000 + k) + "@example.test",
                              "wrong password");
        } catch (const std::exception&) {  // counted below, never an abort of the whole binary
        }
        (st == 429 ? flood_429 : st == 401 ? flood_401 : flood_other)++;
        std::this_thread::sleep_for(25ms);
      }
    });
  std::this_thread::sleep_for(300ms);  // the flood is on
  auto legit = http_.from("127.0.0.3");
  int ok = 0;
  for (int i = 0; i < 10; ++i) {
    int st = sign_in_status(legit, admin_.email, "correct horse battery");
    EXPECT_EQ(st, 200) << "legitimate sign-in " << i << " during the flood";
    ok += st == 200;
    std::this_thread::sleep_for(100ms);
  }
  flooding = false;
  for (auto& t : flood) t.join();
  std::printf(
      "sign-in flood from one address: %d refused (429), %d tried (401), %d other; "
      "legitimate sign-ins from another address: %d/10\n",
      flood_429.load(), flood_401.load(), flood_other.load(), ok);
  EXPECT_GT(flood_429.load(), 0);
  EXPECT_EQ(flood_other.load(), 0);
}

TEST_F(Hostile, GuessingOneAccountBacksOffAndItsOwnerStillSignsInSEC043) {
  auto owner = http_.from("127.0.0.5");
  ASSERT_EQ(sign_in_status(owner, admin_.email, "correct horse battery"), 200);
  auto guesser = http_.from("127.0.0.4");
  std::vector<int> got;
  for (int i = 0; i < 6; ++i)
    got.push_back(sign_in_status(guesser, admin_.email, "guess" + std::to_string(i)));
  EXPECT_EQ(got, (std::vector<int>{401, 401, 401, 429, 429, 429}));
  auto r =
      guesser.request("POST", "/auth/sign-in",
                      json::serialize(json::object{{"email", admin_.email}, {"password", "guess"}}),
                      {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.error_code(), "RATE_LIMITED");
  EXPECT_FALSE(r.headers["retry-after"].empty());
  // The owner, from an address it signed in from, is not locked out.
  EXPECT_EQ(sign_in_status(owner, admin_.email, "correct horse battery"), 200);
}

TEST_F(Hostile, ForwardedForIsBelievedOnlyFromATrustedProxySEC044) {
  Server node(db_url(), "serve", {"--trusted-proxy", "127.0.0.6/32"});
  Http http(node.port());
  // Not a proxy: a rotating X-Forwarded-For does not escape the address's bucket.
  auto direct = http.from("127.0.0.7");
  int last = 0;
  for (int i = 0; i < 21; ++i)
    last = sign_in_status(direct, "x@example.test", "pw",
                          {{"X-Forwarded-For", "198.51.100." + std::to_string(i)}});
  EXPECT_EQ(last, 429);
  // Through the trusted proxy: each forwarded client has a bucket of its own.
  auto proxy = http.from("127.0.0.6");
  for (int i = 0; i < 21; ++i)
    last = sign_in_status(proxy, "y@example.test", "pw",
                          {{"X-Forwarded-For", "6.6.6.6, 198.51.100.1"}});
  EXPECT_EQ(last, 429);
  EXPECT_EQ(sign_in_status(proxy, "z@example.test", "pw", {{"X-Forwarded-For", "198.51.100.2"}}),
            401);
}

}  // namespace syncline::test
