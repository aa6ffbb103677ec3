// The live stream under faults and concurrency (DESIGN §6, §10): revocation closes streams
// (SEC-001..005), clients reconnecting with Last-Event-ID see no gap and no duplicate, the
// bus survives losing its LISTEN connection and a Postgres restart, slow readers catch up,
// and no stream ever carries another org's activity (SEC-010..012).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <random>
#include <set>
#include <thread>

#include "support/cdc_fixture.h"
#include "support/fixtures.h"
#include "support/mutations.h"
#include "support/sse_client.h"

namespace syncline::test {

namespace json = boost::json;
using namespace std::chrono_literals;

class LiveFault : public WithCdcWorker {
 protected:
  // Creates a page, retrying while the database restarts; returns the HTTP status.
  int create(const std::string& id, const TestUser& as) {
    auto tx = next_tx_id();
    auto body = create_body({{"id", id}, {"name", "n"}}, tx);
    for (int i = 0; i < 100; ++i) {
      try {
        auto r = http_.send("POST", base_ + "/pages", body, as.token);
        if (r.status < 500) return r.status;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(200ms);
    }
    return 0;
  }
  std::vector<std::int64_t> org_ids_after(std::int64_t after) {
    auto s = sql_value(
        "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM activities"
        " WHERE organization_id = '" +
        org_ + "' AND id > " + std::to_string(after));
    std::vector<std::int64_t> out;
    std::size_t pos = 0;
    while (pos < s.size()) {
      auto comma = s.find(',', pos);
      out.push_back(std::stoll(s.substr(pos, comma - pos)));
      pos = comma == std::string::npos ? s.size() : comma + 1;
    }
    return out;
  }
  std::int64_t head() {
    return std::stoll(sql_value(
        "SELECT coalesce(max(id), 0) FROM activities WHERE organization_id = '" + org_ + "'"));
  }
  // Reads change ids after `from` until `last` is reached or `timeout` passes.
  static std::vector<std::int64_t> read_until(SseClient& c, std::int64_t last,
                                              std::chrono::milliseconds timeout = 20s,
                                              std::int64_t from = 0) {
    std::vector<std::int64_t> ids;
    auto end = std::chrono::steady_clock::now() + timeout;
    while ((ids.empty() ? from : ids.back()) < last && std::chrono::steady_clock::now() < end) {
      auto e = c.next(1s);
      if (!e) {
        if (c.closed()) break;
        continue;
      }
      if (e->event == "change") ids.push_back(std::stoll(e->id));
    }
    return ids;
  }
};

TEST_F(LiveFault, RevokingAMembershipClosesTheStreamFirstWithAnErrorSEC001) {
  auto member = sign_up(http_);
  add_member(http_, admin_, org_, member, "member");
  SseClient c(http_.port(), base_ + "/live?live=sse&offset=now", member.token);
  ASSERT_EQ(c.status(), 200);
  auto off = c.next();
  ASSERT_TRUE(off && off->event == "offset");
  auto revoke_started = std::chrono::steady_clock::now();
  auto r = http_.request("DELETE", base_ + "/memberships/" + member.id, std::nullopt,
                         {{"Authorization", "Bearer " + admin_.token}});
  ASSERT_EQ(r.status, 204);
  auto revoked_at = head();
  // Writes right after the revoking response must never reach the member.
  for (int i = 0; i < 5; ++i) create("after-revoke-" + std::to_string(i), admin_);
  std::optional<SseEvent> error;
  std::vector<std::int64_t> leaked;
  for (int i = 0; i < 50 && !error; ++i) {
    auto e = c.next(10s);
    if (!e) break;
    if (e->event == "error") error = e;
    if (e->event == "change" && std::stoll(e->id) > revoked_at) leaked.push_back(std::stoll(e->id));
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  revoke_started)
                .count();
  ASSERT_TRUE(error) << "no event: error";
  EXPECT_EQ(json::parse(error->data).as_object()["code"].as_string(), "forbidden");
  EXPECT_TRUE(leaked.empty());
  EXPECT_FALSE(c.next(3s));  // closed
  EXPECT_TRUE(c.closed());
  EXPECT_LT(ms, 10000);
  std::cout << "[ measure ] revocation closed the stream " << ms << " ms after the request"
            << std::endl;
}

TEST_F(LiveFault, SigningOutClosesThatSessionsStreamsSEC001) {
  SseClient c(http_.port(), base_ + "/live?live=sse&offset=now", admin_.token);
  ASSERT_TRUE(c.next());
  ASSERT_EQ(http_
                .request("POST", "/auth/sign-out", std::nullopt,
                         {{"Authorization", "Bearer " + admin_.token}})
                .status,
            204);
  std::optional<SseEvent> e;
  while ((e = c.next(10s)) && e->event != "error") {
  }
  ASSERT_TRUE(e);
  EXPECT_EQ(json::parse(e->data).as_object()["code"].as_string(), "forbidden");
}

TEST_F(LiveFault, TwentyReconnectingClientsSeeNoGapAndNoDuplicateSTREAM002) {
  auto start = head();
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int i = 0; i < 400; ++i) {  // ≈ 4 s of writes, so clients reconnect mid-stream
      create("gap-" + std::to_string(i), admin_);
      std::this_thread::sleep_for(8ms);
    }
    writing = false;
  });
  std::vector<std::vector<std::int64_t>> received(20);
  std::atomic<int> connections{0};
  std::vector<std::thread> clients;
  for (int k = 0; k < 20; ++k) {
    clients.emplace_back([&, k] {
      std::mt19937 rng(k);
      std::uniform_int_distribution<int> hold(50, 600);
      auto& got = received[k];
      while (writing) {
        std::map<std::string, std::string> h;
        if (!got.empty()) h["Last-Event-ID"] = std::to_string(got.back());
        SseClient c(http_.port(), base_ + "/live?live=sse&offset=" + std::to_string(start),
                    admin_.token, h);
        ++connections;
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(hold(rng));
        while (std::chrono::steady_clock::now() < until) {
          auto e = c.next(50ms);
          if (e && e->event == "change") got.push_back(std::stoll(e->id));
        }
      }
    });
  }
  writer.join();
  for (auto& t : clients) t.join();
  std::cout << "[ measure ] " << connections << " stream connections by 20 clients" << std::endl;
  ASSERT_TRUE(wait_until([&] { return org_ids_after(start).size() == 400; }, 30s));
  auto expected = org_ids_after(start);
  for (int k = 0; k < 20; ++k) {
    auto& got = received[k];
    // One more resume to the end, as a client that comes back later would.
    SseClient c(
        http_.port(), base_ + "/live?live=sse&offset=" + std::to_string(start), admin_.token,
        got.empty()
            ? std::map<std::string, std::string>{}
            : std::map<std::string, std::string>{{"Last-Event-ID", std::to_string(got.back())}});
    auto rest = read_until(c, expected.back(), 20s, got.empty() ? start : got.back());
    got.insert(got.end(), rest.begin(), rest.end());
    EXPECT_EQ(got, expected) << "client " << k;
  }
}

TEST_F(LiveFault, TheBusSurvivesLosingItsListenConnectionAB011) {
  SseClient c(http_.port(), base_ + "/live?live=sse&offset=now", admin_.token);
  auto start = std::stoll(c.next()->id);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(create("t-before-" + std::to_string(i), admin_), 201);
  EXPECT_EQ(sql_value("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE application_name = 'syncline:bus') t"),
            "1");
  for (int i = 0; i < 5; ++i) ASSERT_EQ(create("t-after-" + std::to_string(i), admin_), 201);
  ASSERT_TRUE(wait_until([&] { return org_ids_after(start).size() == 10; }, 30s));
  auto expected = org_ids_after(start);
  EXPECT_EQ(read_until(c, expected.back(), 30s, start), expected);
}

TEST_F(LiveFault, StreamsSurviveAPostgresRestartWithoutGapsAB011) {
  SseClient c(http_.port(), base_ + "/live?live=sse&offset=now", admin_.token);
  auto start = std::stoll(c.next()->id);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(create("r-before-" + std::to_string(i), admin_), 201);
  ServerEnvironment::get().cluster().restart();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(create("r-after-" + std::to_string(i), admin_), 201);
  ASSERT_TRUE(wait_until([&] { return org_ids_after(start).size() == 10; }, 60s)) << worker_->log();
  auto expected = org_ids_after(start);
  EXPECT_EQ(read_until(c, expected.back(), 60s, start), expected);
}

TEST_F(LiveFault, ASlowReaderCatchesUpInsteadOfBlockingOthersSEC030) {
  SseClient slow(http_.port(), base_ + "/live?live=sse&offset=now", admin_.token);
  SseClient fast(http_.port(), base_ + "/live?live=sse&offset=now", admin_.token);
  auto start = std::stoll(slow.next()->id);
  fast.next();
  sql_value("INSERT INTO pages(id, organization_id, name, description) SELECT 'slow-' || g, '" +
            org_ + "', 'p', repeat('x', 2000) FROM generate_series(1, 3000) g");
  ASSERT_TRUE(wait_until([&] { return org_ids_after(start).size() == 3000; }, 60s));
  auto expected = org_ids_after(start);
  EXPECT_EQ(read_until(fast, expected.back(), 60s, start), expected);  // not held back by `slow`
  std::this_thread::sleep_for(1s);  // `slow` has read nothing so far
  EXPECT_EQ(read_until(slow, expected.back(), 60s, start), expected);
  auto m = http_.get("/metrics").body;
  auto at = m.find("\nsyncline_stream_queue_overflows_total ");
  std::cout << "[ measure ] " << m.substr(at + 1, m.find('\n', at + 1) - at - 1) << std::endl;
}

TEST_F(LiveFault, NoStreamEverCarriesAnotherOrgsActivitySEC010) {
  auto& http = http_;
  std::mt19937 rng(7);
  std::vector<TestUser> users;
  for (int i = 0; i < 5; ++i) users.push_back(sign_up(http));
  struct Org {
    std::string id;
    std::set<int> members;
  };
  std::vector<Org> orgs;
  for (int o = 0; o < 3; ++o) {
    int owner = static_cast<int>(rng() % users.size());
    Org org{std::string(create_org(http, users[owner])["id"].as_string()), {owner}};
    for (int u = 0; u < 5; ++u)
      if (u != owner && rng() % 2) {
        add_member(http, users[owner], org.id, users[u], "member");
        org.members.insert(u);
      }
    orgs.push_back(org);
  }
  std::vector<std::pair<std::string, std::unique_ptr<SseClient>>> streams;
  for (const auto& org : orgs)
    for (int u = 0; u < 5; ++u) {
      auto c = std::make_unique<SseClient>(
          http.port(), "/organizations/" + org.id + "/live?live=sse&offset=now", users[u].token);
      if (!org.members.count(u)) {
        EXPECT_EQ(c->status(), 403);
        continue;
      }
      ASSERT_EQ(c->status(), 200);
      ASSERT_TRUE(c->next());
      streams.emplace_back(org.id, std::move(c));
    }
  for (int i = 0; i < 30; ++i) {
    const auto& org = orgs[rng() % orgs.size()];
    auto it = org.members.begin();
    std::advance(it, rng() % org.members.size());
    auto r =
        http.send("POST", "/organizations/" + org.id + "/pages",
                  create_body({{"id", "iso-" + std::to_string(i)}, {"name", "x"}}, next_tx_id()),
                  users[*it].token);
    ASSERT_EQ(r.status, 201);
  }
  ASSERT_TRUE(wait_until(
      [] {
        return sql_value("SELECT count(*) FROM activities WHERE entity_id LIKE 'iso-%'") == "30";
      },
      30s));
  for (auto& [org_id, c] : streams) {
    auto expected = sql_value(
        "SELECT count(*) FROM activities WHERE entity_id LIKE 'iso-%' AND organization_id = '" +
        org_id + "'");
    std::size_t got = 0;
    while (got < std::stoul(expected)) {
      auto e = c->next(10s);
      if (!e) break;
      if (e->event != "change") continue;
      ++got;
      auto m = json::parse(e->data).as_object();
      EXPECT_EQ(m["data"].as_object()["organizationId"].as_string(), org_id);
      EXPECT_EQ(sql_value("SELECT organization_id FROM activities WHERE id = " + e->id), org_id);
    }
    EXPECT_EQ(std::to_string(got), expected);
    auto extra = c->next(300ms);  // nothing else: no other org's activity followed
    EXPECT_TRUE(!extra || extra->event != "change") << extra->data;
  }
}

}  // namespace syncline::test
