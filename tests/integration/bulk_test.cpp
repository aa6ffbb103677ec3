// An app's own bulk transaction (DESIGN §18, DATA-SCALE-005): above --bulk-threshold rows of
// one (org, type) it is logged as one `refetch` marker, in commit order, exactly once — streamed
// (100,000 rows, past the decoding memory) or decoded whole; streams opened with
// features=refetch get `event: refetch`, others `event: reset`; native clients with and without
// a shape load the type again and converge with the table. Below the threshold, row by row.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <future>
#include <thread>

#include "support/cdc_fixture.h"
#include "support/fixtures.h"
#include "support/mutations.h"
#include "support/sse_client.h"
#include "support/tcp_proxy.h"
#include "syncline/client.h"

namespace syncline::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int kThreshold = 1000;
constexpr int kBulk = 100'000;

class Bulk : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    worker_ = start_cdc_worker({"--bulk-threshold", std::to_string(kThreshold)});
  }
  static void TearDownTestSuite() { stop_cdc_worker(worker_); }
  void SetUp() override {
    admin_ = sign_up(http_, "Admin");
    org_ = std::string(create_org(http_, admin_)["id"].as_string());
    dir_ = make_temp_dir("syncline-bulk");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string count(const std::string& where) {
    return sql_value("SELECT count(*) FROM pages WHERE organization_id = '" + org_ + "'" + where);
  }
  std::string activities(const std::string& where) {
    return sql_value("SELECT count(*) FROM activities WHERE organization_id = '" + org_ + "'" +
                     where);
  }
  // One statement of the app's: `n` pages, every other one published.
  void bulk_insert(int n, const std::string& prefix) {
    sql_value("INSERT INTO pages (id, organization_id, name, status) SELECT '" + prefix +
              "' || g, '" + org_ +
              "', 'bulk ' || g, CASE WHEN g % 2 = 0 THEN 'published' ELSE"
              " 'archived' END FROM generate_series(1, " +
              std::to_string(n) + ") g");
  }
  // Each client is its own member (its own session, as two people's devices).
  std::unique_ptr<client::Client> native(const std::string& name,
                                         std::vector<client::Shape> shapes = {},
                                         unsigned short port = 0) {
    auto member = sign_up(http_, name);
    add_member(http_, admin_, org_, member, "member");
    client::ClientOptions o;
    o.port = port ? port : http_.port();
    o.token = member.token;
    o.org_id = org_;
    o.data_dir = dir_ + "/" + name;
    o.shapes = std::move(shapes);
    return std::make_unique<client::Client>(o);
  }

  static inline Process* worker_ = nullptr;
  Http http_ = api();
  TestUser admin_;
  std::string org_, dir_;
};

TEST_F(Bulk, AHundredThousandRowStatementIsOneMarkerAndEveryClientConvergesDATASCALE005) {
  std::string a1_tx;
  for (const auto& [id, status] : {std::pair{"a1", "published"}, {"a2", "archived"}}) {
    const auto tx = next_tx_id();
    if (a1_tx.empty()) a1_tx = tx;
    ASSERT_EQ(
        http_
            .send("POST", "/organizations/" + org_ + "/pages",
                  create_body({{"id", id}, {"name", id}, {"status", status}}, tx), admin_.token)
            .status,
        201);
  }
  auto all = native("all");
  auto published = native("published", {client::Shape{{"page", {{"status", "published"}}}}});
  ASSERT_TRUE(all->start(30s));
  ASSERT_TRUE(published->start(30s));
  // An installed client (no features) and a new one, both live.
  SseClient old_stream(http_.port(), "/organizations/" + org_ + "/live?live=sse", admin_.token);
  SseClient new_stream(http_.port(), "/organizations/" + org_ + "/live?live=sse&features=refetch",
                       admin_.token);
  ASSERT_TRUE(old_stream.next_of("offset") && new_stream.next_of("offset"));
  const auto before = std::stoll(sql_value("SELECT coalesce(max(id), 0) FROM activities"));
  // A change just before, then the app's bulk insert: one statement, one transaction.
  ASSERT_EQ(
      http_
          .send("PATCH", "/organizations/" + org_ + "/pages/a1",
                update_body("name", json::value("just before"), next_tx_id(), a1_tx), admin_.token)
          .status,
      200);
  const auto committed = std::chrono::steady_clock::now();
  bulk_insert(kBulk, "b");
  auto refetch = new_stream.next_of("refetch", 120s);
  ASSERT_TRUE(refetch) << "no refetch marker";
  std::printf("bulk of %d rows: commit → refetch marker streamed in %.2f s\n", kBulk,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - committed).count());
  EXPECT_EQ(json::parse(refetch->data).at("entityType").as_string(), "page");
  EXPECT_TRUE(old_stream.next_of("reset", 10s)) << "an installed client is reset instead";
  // Exactly once, in commit order: one marker after the change before it, no row activities.
  EXPECT_EQ(activities(" AND action = 'refetch'"), "1");
  EXPECT_EQ(activities(" AND entity_id LIKE 'b%'"), "0");
  EXPECT_LT(std::stoll(sql_value("SELECT id FROM activities WHERE organization_id = '" + org_ +
                                 "' AND entity_id = 'a1' AND action = 'update'")),
            std::stoll(refetch->id));
  // Both clients load the type again (the shaped one its shape of it) and hold the table.
  auto since = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - committed).count();
  };
  EXPECT_TRUE(
      wait_until([&] { return std::to_string(all->store().count(org_)) == count(""); }, 120s));
  std::printf("bulk of %d rows: commit → the unshaped client holds them in %.2f s\n", kBulk,
              since());
  EXPECT_TRUE(wait_until(
      [&] {
        return std::to_string(published->list("page").size()) == count(" AND status = 'published'");
      },
      120s));
  std::printf("bulk of %d rows: commit → both clients converged in %.2f s\n", kBulk,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - committed).count());
  EXPECT_EQ(all->get("page", "a1")->at("name"), "just before");
  // JSON catch-up across the marker: with the feature it is an activity, without it 409.
  const std::string from = "/organizations/" + org_ + "/live?offset=" + std::to_string(before);
  auto plain = http_.get(from, admin_.token);
  EXPECT_EQ(plain.status, 409);
  EXPECT_EQ(plain.error_code(), "OFFSET_INVALID");
  auto page = http_.get(from + "&features=refetch", admin_.token);
  ASSERT_EQ(page.status, 200) << page.body;
  bool marker = false;
  const auto body = page.json();
  for (const auto& a : body.at("activities").as_array())
    marker = marker || a.at("action") == "refetch";
  EXPECT_TRUE(marker) << page.body;
  // Live afterwards: a change of a bulk row reaches both.
  ASSERT_EQ(
      http_
          .send("PATCH", "/organizations/" + org_ + "/pages/b10",
                update_body("name", json::value("after the bulk"), next_tx_id(), std::nullopt),
                admin_.token)
          .status,
      200);
  for (auto* c : {all.get(), published.get()})
    EXPECT_TRUE(wait_until([&] {
      auto e = c->get("page", "b10");
      return e && e->at("name") == "after the bulk";
    }));
}

// A refetch's snapshot can take seconds, or be retried for as long as the network is gone:
// the app's edits meanwhile are queued at once and stop() returns, as when no load runs
// (the load holds no lock of the client's; client/README.md, lock order). Meanwhile the type
// reads as it was (it is replaced in place), and a row the bulk deleted goes at the end.
TEST_F(Bulk, ARefetchThatCannotLoadHoldsUpNoCallOfTheAppsDATASCALE005) {
  for (const char* id : {"kept", "deleted"})
    ASSERT_EQ(http_
                  .send("POST", "/organizations/" + org_ + "/pages",
                        create_body({{"id", id}, {"name", id}}, next_tx_id()), admin_.token)
                  .status,
              201);
  TcpProxy proxy(http_.port());
  auto c = native("app", {}, proxy.port());
  ASSERT_TRUE(c->start(30s));
  ASSERT_EQ(c->list("page").size(), 2u);
  std::atomic<bool> armed{false}, loading{false};
  c->before_list_load = [&] {  // the refetch begins: the network goes
    if (!armed) return;
    proxy.cut();
    loading = true;
  };
  armed = true;
  // One transaction of the app's: a row deleted and a bulk inserted, one marker for both.
  sql_value("BEGIN; DELETE FROM pages WHERE id = 'deleted' AND organization_id = '" + org_ +
            "'; INSERT INTO pages (id, organization_id, name, status) SELECT 'r' || g, '" + org_ +
            "', 'bulk ' || g, 'published' FROM generate_series(1, " +
            std::to_string(kThreshold + 500) + ") g; COMMIT");
  ASSERT_TRUE(wait_until([&] { return loading.load(); }, 60s)) << "no refetch began";
  std::this_thread::sleep_for(1500ms);  // into its retries
  EXPECT_TRUE(c->get("page", "kept")) << "the type read empty while it loads again";
  auto edit = std::async(std::launch::async, [&] {
    return c->create("page", json::object{{"id", "during"}, {"name", "made during the refetch"}});
  });
  const bool edited = edit.wait_for(10s) == std::future_status::ready;
  EXPECT_TRUE(edited) << "an edit waited on the refetch";
  if (!edited) proxy.restore();  // lets the load end, so the edit does
  const auto tx = edit.get();
  EXPECT_EQ(c->state(tx), client::MutationState::kPending);  // offline: queued
  // The network returns: the refetch completes, the edit is sent, all converge.
  proxy.restore();
  EXPECT_TRUE(wait_until([&] { return std::to_string(c->store().count(org_)) == count(""); }, 60s));
  EXPECT_FALSE(c->get("page", "deleted")) << "a row the bulk deleted stayed";
  EXPECT_TRUE(wait_until([&] { return count(" AND id = 'during'") == "1"; }, 30s));
  EXPECT_TRUE(wait_until([&] { return c->state(tx) == client::MutationState::kConfirmed; }, 30s));
  // Cut again mid-refetch: stop() ends the retries instead of waiting them out.
  loading = false;
  bulk_insert(kThreshold + 500, "q");
  ASSERT_TRUE(wait_until([&] { return loading.load(); }, 60s)) << "no second refetch";
  std::this_thread::sleep_for(3500ms);  // a retry wait of 4 s has begun
  auto stopped = std::async(std::launch::async, [&] { c->stop(); });
  EXPECT_EQ(stopped.wait_for(2s), std::future_status::ready) << "stop() waited out a retry";
  stopped.wait();
  // Started again on that cache: the marker it did not load was not passed, so the stream
  // resumes before it and the type is loaded now.
  proxy.restore();
  c.reset();
  auto again = native("app", {}, proxy.port());
  ASSERT_TRUE(again->start(30s));
  EXPECT_TRUE(
      wait_until([&] { return std::to_string(again->store().count(org_)) == count(""); }, 60s))
      << again->store().count(org_) << " cached, " << count("") << " in the table";
}

TEST_F(Bulk, BelowTheThresholdRowByRowAboveItOneMarkerDecodedWholeDATASCALE005) {
  bulk_insert(kThreshold / 2, "s");
  ASSERT_TRUE(wait_until(
      [&] { return activities(" AND entity_id LIKE 's%'") == std::to_string(kThreshold / 2); }));
  bulk_insert(kThreshold + 500, "w");  // small enough to be decoded whole at its commit
  ASSERT_TRUE(wait_until([&] { return activities(" AND action = 'refetch'") == "1"; }));
  EXPECT_EQ(activities(" AND entity_id LIKE 'w%'"), "0");
}

}  // namespace
}  // namespace syncline::test
