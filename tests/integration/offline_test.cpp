// Offline edits against the real server (issue 6): the client reaches the server through a
// TCP proxy owned by the test. Cut it, edit, let another client edit some of the same fields,
// restore: exactly the non-conflicting edits land, each once; the conflicts are listed with
// both values and each resolution has its effect (OFFLINE-001..024, MERGE-003..007). And a
// lost response: the retry keeps its txId and the log holds one activity (OFFLINE-012).
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "support/cdc_fixture.h"
#include "support/mutations.h"
#include "support/tcp_proxy.h"
#include "syncline/client.h"

namespace syncline::test {

namespace json = boost::json;
using client::Client;
using client::MutationState;
using client::Resolution;
using namespace std::chrono_literals;

class Offline : public WithCdcWorkerAndDir {
 protected:
  std::unique_ptr<Client> make(const std::string& name, unsigned short port) {
    client::ClientOptions o;
    o.port = port;
    o.token = admin_.token;
    o.org_id = org_;
    o.data_dir = dir_ + "/" + name;
    o.probe_interval = 300ms;  // notices the network coming back quickly
    return std::make_unique<Client>(o);
  }
  void create_page(const std::string& id, const std::string& name) {
    ASSERT_EQ(
        http_
            .send("POST", base_ + "/pages",
                  create_body({{"id", id}, {"name", name}, {"description", "d"}}, next_tx_id()),
                  admin_.token)
            .status,
        201);
  }
  std::string server(const std::string& id, const std::string& field) {
    return sql_value("SELECT " + field + " FROM pages WHERE id = '" + id + "'");
  }
  // Activities carrying these txIds: {rows, distinct txIds}.
  std::pair<int, int> logged(const std::vector<std::string>& txs) {
    std::string list;
    for (const auto& t : txs) list += (list.empty() ? "'" : ",'") + t + "'";
    auto rows =
        sql_value("SELECT count(*) FROM activities WHERE tx->>'transactionId' IN (" + list + ")");
    auto distinct = sql_value(
        "SELECT count(DISTINCT tx->>'transactionId') FROM activities WHERE"
        " tx->>'transactionId' IN (" +
        list + ")");
    return {std::stoi(rows), std::stoi(distinct)};
  }
};

TEST_F(Offline, HundredEditsLandOnceConflictsAreListedAndEachResolutionWorksOFFLINE010) {
  constexpr int kPages = 50, kContested = 10;
  auto id = [](int i) { return "off-" + std::to_string(i); };
  for (int i = 0; i < kPages; ++i) create_page(id(i), "base-" + std::to_string(i));
  TcpProxy proxy(http_.port());
  auto a = make("a", proxy.port());
  auto b = make("b", http_.port());
  ASSERT_TRUE(a->start());
  ASSERT_TRUE(b->start());
  ASSERT_TRUE(wait_until([&] { return a->store().list(org_, "page").size() == kPages; }));

  proxy.cut();
  ASSERT_TRUE(wait_until([&] { return !a->live(); }));
  std::vector<std::string> landing, contested;
  for (int i = 0; i < kPages; ++i) {  // 100 edits: two fields of 50 pages
    auto txs =
        a->update("page", id(i), {{"name", "A-" + std::to_string(i)}, {"description", "A-d"}});
    ASSERT_EQ(txs.size(), 2u);
    for (const auto& t : txs) EXPECT_EQ(a->state(t), MutationState::kPending);
    (i < kContested ? contested : landing).push_back(txs[0]);
    landing.push_back(txs[1]);
  }
  EXPECT_EQ(a->outbox().entries(org_).size(), 100u);                  // durable, in order
  EXPECT_EQ(a->get("page", id(20))->at("name").as_string(), "A-20");  // shown while offline
  for (int i = 0; i < kContested; ++i) {  // meanwhile, online, someone else
    auto t = b->update("page", id(i), {{"name", "B-" + std::to_string(i)}});
    ASSERT_TRUE(wait_until([&] { return b->state(t[0]) == MutationState::kConfirmed; }));
  }

  auto restored = std::chrono::steady_clock::now();
  proxy.restore();
  ASSERT_TRUE(wait_until(
      [&] {
        auto e = a->outbox().entries(org_);
        return e.size() == kContested &&
               std::all_of(e.begin(), e.end(), [](auto& x) { return x.state == "conflicted"; });
      },
      30s));
  auto drained = std::chrono::steady_clock::now() - restored;
  std::cout << "[ measure  ] reconnect to drained outbox (90 requests): "
            << std::chrono::duration_cast<std::chrono::milliseconds>(drained).count() << " ms\n";
  ASSERT_TRUE(wait_until([&] { return logged(landing).first == 90; }));
  std::this_thread::sleep_for(500ms);                  // nothing more arrives late
  EXPECT_EQ(logged(landing), std::make_pair(90, 90));  // each non-conflicting edit once
  EXPECT_EQ(logged(contested), std::make_pair(0, 0));  // no conflicting edit was sent
  EXPECT_EQ(proxy.requests("PATCH"), 90);              // each sent once: the client, not the ledger
  for (int i = 0; i < kPages; ++i) {
    EXPECT_EQ(server(id(i), "name"), (i < kContested ? "B-" : "A-") + std::to_string(i));
    EXPECT_EQ(server(id(i), "description"), "A-d");
  }
  for (const auto& t : contested) EXPECT_EQ(a->state(t), MutationState::kConflicted);

  auto conflicts = a->conflicts();
  ASSERT_EQ(conflicts.size(), std::size_t(kContested));
  std::map<std::string, client::Conflict> by_page;
  for (const auto& c : conflicts) {
    EXPECT_EQ(c.field, "name");
    auto n = c.key.entity_id.substr(4);
    EXPECT_EQ(c.mine.as_string(), "A-" + n);  // both sides listed
    EXPECT_EQ(c.server.as_string(), "B-" + n);
    by_page[c.key.entity_id] = c;
  }
  // OFFLINE-021 keep mine, OFFLINE-022 keep server, OFFLINE-023 merge.
  std::vector<std::string> resolved;
  for (int i = 0; i < kContested; ++i) {
    const auto& c = by_page.at(id(i));
    auto how = i < 3 ? Resolution::kKeepMine : i < 6 ? Resolution::kKeepServer : Resolution::kMerge;
    auto tx = a->resolve(c.id, how, json::value("M-" + std::to_string(i)));
    ASSERT_TRUE(tx.has_value());
    if (how != Resolution::kKeepServer) resolved.push_back(*tx);
  }
  EXPECT_FALSE(a->resolve(by_page.at(id(0)).id, Resolution::kKeepMine));  // resolved already
  for (const auto& t : resolved)
    EXPECT_TRUE(wait_until([&] { return a->state(t) == MutationState::kConfirmed; })) << t;
  for (int i = 0; i < kContested; ++i) {
    auto want = i < 3 ? "A-" : i < 6 ? "B-" : "M-";
    EXPECT_EQ(server(id(i), "name"), want + std::to_string(i));
    EXPECT_TRUE(wait_until(
        [&] { return a->get("page", id(i))->at("name").as_string() == want + std::to_string(i); }));
  }
  EXPECT_EQ(logged(resolved), std::make_pair(7, 7));
  EXPECT_EQ(proxy.requests("PATCH"), 97);
  EXPECT_TRUE(a->conflicts().empty());
  EXPECT_TRUE(a->outbox().entries(org_).empty());
}

TEST_F(Offline, ALostResponseIsRetriedWithTheSameTxIdAndLoggedOnceOFFLINE012) {
  create_page("lost", "before");
  TcpProxy proxy(http_.port());
  auto a = make("a", proxy.port());
  ASSERT_TRUE(a->start());
  ASSERT_TRUE(wait_until([&] { return a->get("page", "lost").has_value(); }));
  a->hold_stream_for_test(true);  // only the retry can tell the client it landed
  proxy.lose_next_responses(1, "PATCH");
  int before = proxy.connections();
  auto tx = a->update("page", "lost", {{"name", "once"}})[0];
  EXPECT_TRUE(wait_until([&] { return server("lost", "name") == "once"; }));  // it landed
  // The first reply was lost (status 0: the entry stays, as sent); the retry with the same
  // txId got 200.
  ASSERT_TRUE(wait_until([&] { return a->state(tx) == MutationState::kSent; }));
  EXPECT_EQ(proxy.lost(), 1);
  EXPECT_EQ(proxy.requests("PATCH"), 2);       // the request and its one retry
  EXPECT_GE(proxy.connections() - before, 1);  // the lost answer closed it: a new one retries
  EXPECT_TRUE(a->outbox().entries(org_).empty());
  ASSERT_TRUE(wait_until([&] { return logged({tx}).first == 1; }));
  a->hold_stream_for_test(false);
  EXPECT_TRUE(wait_until([&] { return a->state(tx) == MutationState::kConfirmed; }));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(logged({tx}), std::make_pair(1, 1));  // applied once
  // The same request again is answered 200 with the same transaction (API-030).
  auto expected = sql_value("SELECT tx->>'transactionId' FROM pages WHERE id = 'lost'");
  auto again = http_.send("PATCH", base_ + "/pages/lost",
                          update_body("name", "once", tx, std::nullopt), admin_.token);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(expected, tx);
}

// merge: text through the native outbox (DESIGN §21, COLLAB): an offline edit of one paragraph
// of the description is not marked conflicted by the client when another paragraph changed
// meanwhile; the server merges it, and both edits are what server and cache hold. The same
// paragraph edited on both sides stays the user's conflict.
TEST_F(Offline, TextEditsOfOtherParagraphsMergeThroughTheOutboxCOLLAB) {
  const std::string mid = "\n\nThe middle stays.\n\n";
  auto text = [&](const std::string& a, const std::string& c) { return a + mid + c + "\n"; };
  auto t0 = next_tx_id();
  ASSERT_EQ(
      http_
          .send("POST", base_ + "/pages",
                create_body(
                    {{"id", "doc"}, {"name", "Doc"}, {"description", text("One.", "Three.")}}, t0),
                admin_.token)
          .status,
      201);
  TcpProxy proxy(http_.port());
  auto a = make("a", proxy.port());
  ASSERT_TRUE(a->start());
  ASSERT_TRUE(wait_until([&] { return a->get("page", "doc").has_value(); }));
  proxy.cut();
  ASSERT_TRUE(wait_until([&] { return !a->live(); }));
  auto mine = a->update("page", "doc", {{"description", text("One.", "Three, offline.")}})[0];
  // Online, meanwhile, someone else (over REST).
  auto online = [&](const std::string& value, const std::string& expected) {
    return http_
        .send("PATCH", base_ + "/pages/doc",
              update_body("description", json::value(value), next_tx_id(), expected), admin_.token)
        .status;
  };
  ASSERT_EQ(online(text("One, online.", "Three."), t0), 200);
  proxy.restore();
  const auto both = text("One, online.", "Three, offline.");
  ASSERT_TRUE(wait_until([&] { return a->state(mine) == MutationState::kConfirmed; }, 30s));
  EXPECT_EQ(server("doc", "description"), both);
  EXPECT_EQ(a->get("page", "doc")->at("description").as_string(), both);
  EXPECT_TRUE(a->conflicts().empty());

  // The same paragraph, both sides: a conflict for the user, with the server's value.
  proxy.cut();
  ASSERT_TRUE(wait_until([&] { return !a->live(); }));
  auto clash =
      a->update("page", "doc", {{"description", text("One, mine.", "Three, offline.")}})[0];
  ASSERT_EQ(online(text("One, theirs.", "Three, offline."), mine), 200);
  proxy.restore();
  ASSERT_TRUE(wait_until([&] { return a->state(clash) == MutationState::kConflicted; }, 30s));
  auto conflicts = a->conflicts();
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].server.as_string(), text("One, theirs.", "Three, offline."));
  EXPECT_EQ(server("doc", "description"), text("One, theirs.", "Three, offline."));
}

}  // namespace syncline::test
