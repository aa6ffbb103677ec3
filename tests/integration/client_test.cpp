// The native client against the real server (issue 5): two clients see each other's edits,
// mutations reach `confirmed`, a stale edit gets 409 and the server value wins, a rejected
// edit rolls back, the hydration barrier loses nothing, and a restart resumes from the
// stored offset (FE-MUT-001..024, CONFLICT-010..013, MERGE-001/002, OFFLINE-OFFSET-001..006).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "support/cdc_fixture.h"
#include "support/mutations.h"
#include "syncline/client.h"

namespace syncline::test {

namespace json = boost::json;
using client::Client;
using client::MutationState;
using namespace std::chrono_literals;

class NativeClient : public WithCdcWorkerAndDir {
 protected:
  std::unique_ptr<Client> make(const std::string& name, const TestUser& as) {
    client::ClientOptions o;
    o.port = http_.port();
    o.token = as.token;
    o.org_id = org_;
    o.data_dir = dir_ + "/" + name;
    return std::make_unique<Client>(o);
  }
  std::string name_of(Client& c, const std::string& id) {
    auto e = c.get("page", id);
    return e && e->contains("name") && e->at("name").is_string()
               ? std::string(e->at("name").as_string())
               : "";
  }
};

TEST_F(NativeClient, AnEditInOneClientAppearsInTheOtherAndIsConfirmedFEMUT001) {
  auto a = make("a", admin_), b = make("b", admin_);
  ASSERT_TRUE(a->start());
  ASSERT_TRUE(b->start());
  auto create_tx = a->create("page", {{"id", "shared"}, {"name", "First"}});
  EXPECT_TRUE(wait_until([&] { return a->state(create_tx) == MutationState::kConfirmed; }));
  ASSERT_TRUE(wait_until([&] { return name_of(*b, "shared") == "First"; }));
  auto txs = b->update("page", "shared", {{"name", "Second"}, {"status", "published"}});
  ASSERT_EQ(txs.size(), 2u);  // one mutation per field
  for (const auto& tx : txs)
    EXPECT_TRUE(wait_until([&] { return b->state(tx) == MutationState::kConfirmed; })) << tx;
  EXPECT_TRUE(wait_until([&] { return name_of(*a, "shared") == "Second"; }));
  // The field-tx store learnt the server's transaction from the stream.
  EXPECT_EQ(a->store().expected_transaction_id({org_, "page", "shared"}, "name"), txs[0]);
  // The HLC receive rule: a's next id sorts after what it saw.
  EXPECT_GT(a->hlc().create_transaction_id().substr(0, 18), txs[1].substr(0, 18));
}

TEST_F(NativeClient, ItsLocalFilesArePrivateSEC048) {
  auto a = make("a", admin_);
  ASSERT_TRUE(a->start());
  auto mode = [](const std::string& p) {
    struct stat st {};
    return ::lstat(p.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 0777) : -1;
  };
  auto dir = dir_ + "/a";
  EXPECT_EQ(mode(dir), 0700);
  for (const auto& f : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(mode(f.path().string()), 0600) << f.path();
  EXPECT_TRUE(std::filesystem::exists(dir + "/cache.db-wal"));
  EXPECT_GE(std::distance(std::filesystem::directory_iterator(dir), {}), 4);  // + lock, socket
}

TEST_F(NativeClient, AStaleEditGets409AndTheServerValueWinsMERGE001) {
  auto a = make("a", admin_), b = make("b", admin_);
  ASSERT_TRUE(a->start());
  ASSERT_TRUE(b->start());
  a->create("page", {{"id", "contested"}, {"name", "Base"}});
  ASSERT_TRUE(wait_until([&] { return name_of(*b, "contested") == "Base"; }));
  b->hold_stream_for_test(true);  // b's stream lags: its expectation goes stale, b is live
  auto a_tx = a->update("page", "contested", {{"name", "From A"}});
  ASSERT_EQ(a->state(a_tx[0]) == MutationState::kFailed, false);
  auto b_tx = b->update("page", "contested", {{"name", "From B"}});
  EXPECT_EQ(b->state(b_tx[0]), MutationState::kConflicted);
  EXPECT_EQ(name_of(*b, "contested"), "From A");  // the server value replaced the local edit
  EXPECT_TRUE(b->conflicts().empty());            // server wins: nothing left to resolve
  EXPECT_EQ(sql_value("SELECT name FROM pages WHERE id = 'contested'"), "From A");
}

TEST_F(NativeClient, AManualFieldKeepsTheConflictForTheResolverMERGE003) {
  auto a = make("a", admin_), b = make("b", admin_);
  ASSERT_TRUE(a->start());
  ASSERT_TRUE(b->start());
  a->create("page", {{"id", "manual"}, {"name", "Base"}});
  ASSERT_TRUE(wait_until([&] { return name_of(*b, "manual") == "Base"; }));
  b->hold_stream_for_test(true);
  b->set_manual("page", "name");
  a->update("page", "manual", {{"name", "Theirs"}});
  b->update("page", "manual", {{"name", "Mine"}});
  auto conflicts = b->conflicts();
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].mine.as_string(), "Mine");
  EXPECT_EQ(conflicts[0].server.as_string(), "Theirs");
}

TEST_F(NativeClient, ARejectedEditRollsBackFEMUT020) {
  auto a = make("a", admin_);
  ASSERT_TRUE(a->start());
  a->create("page", {{"id", "rb"}, {"name", "Keep"}, {"status", "published"}});
  ASSERT_TRUE(wait_until([&] { return name_of(*a, "rb") == "Keep"; }));
  auto tx = a->update("page", "rb", {{"status", "not-a-status"}});
  EXPECT_EQ(a->state(tx[0]), MutationState::kFailed);
  EXPECT_EQ(a->get("page", "rb")->at("status").as_string(), "published");
}

TEST_F(NativeClient, TheHydrationBarrierLosesNothingWrittenDuringTheLoadDATASCALE003) {
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(
        http_
            .send("POST", base_ + "/pages",
                  create_body({{"id", "pre-" + std::to_string(i)}, {"name", "p"}}, next_tx_id()),
                  admin_.token)
            .status,
        201);
  auto b = make("b", admin_);
  std::string renamed_tx;
  b->before_list_load = [&] {
    // Written after the stream subscribed and before the lists are read: the buffered
    // messages and the lists overlap; applying them in order must converge.
    ASSERT_EQ(http_
                  .send("POST", base_ + "/pages",
                        create_body({{"id", "during"}, {"name", "d"}}, next_tx_id()), admin_.token)
                  .status,
              201);
    renamed_tx = next_tx_id();
    ASSERT_EQ(http_
                  .send("PATCH", base_ + "/pages/pre-0",
                        update_body("name", "renamed", renamed_tx, std::nullopt), admin_.token)
                  .status,
              409);  // pre-0's name has a fieldTx: a null expectation conflicts
    std::this_thread::sleep_for(1s);
  };
  ASSERT_TRUE(b->start());
  EXPECT_TRUE(b->loaded_lists());
  EXPECT_TRUE(wait_until([&] { return b->store().list(org_, "page").size() == 6; }));
  EXPECT_EQ(name_of(*b, "during"), "d");
}

TEST_F(NativeClient, ARestartResumesFromTheStoredOffsetWithoutReloadingOFFLINEOFFSET001) {
  {
    auto a = make("a", admin_);
    ASSERT_TRUE(a->start());
    a->create("page", {{"id", "before-restart"}, {"name", "x"}});
    ASSERT_TRUE(wait_until([&] {
      return a->store().offset(org_).has_value() && name_of(*a, "before-restart") == "x";
    }));
    a->stop();
  }
  ASSERT_EQ(
      http_
          .send("POST", base_ + "/pages",
                create_body({{"id", "while-away"}, {"name", "y"}}, next_tx_id()), admin_.token)
          .status,
      201);
  auto again = make("a", admin_);
  ASSERT_TRUE(again->start());
  EXPECT_FALSE(again->loaded_lists());  // resumed from the stored offset, no history re-read
  EXPECT_TRUE(wait_until([&] { return name_of(*again, "while-away") == "y"; }));
  EXPECT_EQ(name_of(*again, "before-restart"), "x");
}

}  // namespace syncline::test

namespace syncline::test {

// NET-001..010: the probe and request outcomes tell online from offline.
TEST_F(NativeClient, NetworkStatusFollowsTheServerNET001) {
  auto a = make("a", admin_);
  ASSERT_TRUE(a->start());
  EXPECT_TRUE(wait_until([&] { return a->network().online() && a->network().verified(); }));
  EXPECT_NE(a->network().latency(), client::Latency::kUnknown);
  client::ClientOptions o;
  o.port = 1;  // nothing listens there
  o.token = admin_.token;
  o.org_id = org_;
  o.data_dir = dir_ + "/offline";
  Client offline(o);
  EXPECT_FALSE(offline.start(1s));
  auto tx = offline.create("page", {{"id", "kept"}, {"name", "x"}});
  EXPECT_EQ(offline.state(tx), MutationState::kPending);  // waits in the outbox (OFFLINE-001)
  EXPECT_FALSE(offline.network().online());
  EXPECT_EQ(offline.get("page", "kept")->at("name").as_string(), "x");  // shown meanwhile
  EXPECT_EQ(offline.outbox().entries().size(), 1u);
}

// `event: reset` (the offset predates the sync epoch): drop the org's cache and reload.
TEST_F(NativeClient, AResetDropsTheCacheAndReloadsSTREAM008) {
  {
    auto a = make("a", admin_);
    ASSERT_TRUE(a->start());
    a->create("page", {{"id", "kept"}, {"name", "k"}});
    ASSERT_TRUE(wait_until([&] { return name_of(*a, "kept") == "k"; }));
    a->stop();  // flushes its own position first
    a->store().put({{org_, "page", "ghost"}, {{"id", "ghost"}, {"name", "stale"}}, {}});
    a->store().set_offset(org_, 0);  // an old position ...
  }
  sql_value("INSERT INTO sync_epochs(first_activity_id) SELECT max(id) + 1 FROM activities");
  auto again = make("a", admin_);
  bool started = again->start();
  bool reloaded =
      wait_until([&] { return name_of(*again, "kept") == "k" && !again->get("page", "ghost"); });
  sql_value("DELETE FROM sync_epochs WHERE id = (SELECT max(id) FROM sync_epochs)");
  EXPECT_TRUE(started);
  EXPECT_TRUE(reloaded);  // ... before the new epoch: reset, reload, the ghost is gone
}

// CDC-030: a running client whose table is truncated under it converges to the empty table
// (its stream is reset, it reloads) and then follows what is written after.
TEST_F(NativeClient, ATruncateUnderARunningClientEmptiesItsCacheCDC030) {
  auto a = make("a", admin_);
  ASSERT_TRUE(a->start());
  a->create("page", {{"id", "gone1"}, {"name", "g"}});
  a->create("page", {{"id", "gone2"}, {"name", "g"}});
  ASSERT_TRUE(
      wait_until([&] { return name_of(*a, "gone1") == "g" && name_of(*a, "gone2") == "g"; }));
  sql_value("TRUNCATE attachments, pages");
  EXPECT_TRUE(wait_until([&] { return !a->get("page", "gone1") && !a->get("page", "gone2"); }, 20s))
      << "the client kept the truncated rows";
  auto r = http_.send("POST", base_ + "/pages",
                      create_body({{"id", "after"}, {"name", "new"}}, next_tx_id()), admin_.token);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(wait_until([&] { return name_of(*a, "after") == "new"; }, 20s));
}

}  // namespace syncline::test
