// Outbox squash/coalesce table tests (OFFLINE-001..009): what reaches the server is the
// fewest requests that keep every intent, and only never-sent entries are rewritten.
#include "syncline/outbox.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include "temp_db.h"

#include <filesystem>

namespace syncline::client {

namespace {
const EntityKey kPage{"o", "page", "p1"};
}  // namespace

TEST(Outbox, CreateThenTwoEditsIsOneRequestOFFLINE003) {
  TempDb t;
  Outbox o(t.path());
  o.create(kPage, {{"id", "p1"}, {"name", "a"}}, "1764081234567.0000.n");
  o.update(kPage, "name", "b", "1764081234567.0001.n", std::nullopt);
  o.update(kPage, "status", "published", "1764081234567.0002.n", std::nullopt);
  auto q = o.queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].kind, "create");
  EXPECT_EQ(q[0].transaction_id, "1764081234567.0000.n");
  EXPECT_EQ(q[0].value.as_object().at("name").as_string(), "b");
  EXPECT_EQ(q[0].value.as_object().at("status").as_string(), "published");
}

TEST(Outbox, CreateThenDeleteIsNoRequestOFFLINE004) {
  TempDb t;
  Outbox o(t.path());
  o.create(kPage, {{"id", "p1"}, {"name", "a"}}, "1764081234567.0000.n");
  o.update(kPage, "name", "b", "1764081234567.0001.n", std::nullopt);
  o.remove(kPage, "1764081234567.0002.n", std::nullopt);
  EXPECT_TRUE(o.entries().empty());
}

TEST(Outbox, TwoFieldsAreTwoRequestsAndSameFieldSquashesOFFLINE002) {
  TempDb t;
  Outbox o(t.path());
  o.update(kPage, "name", "b", "1764081234567.0001.n", "1764081230000.0000.s");
  o.update(kPage, "status", "archived", "1764081234567.0002.n", "1764081230000.0001.s");
  o.update(kPage, "name", "c", "1764081234567.0003.n", "ignored-newer-expectation");
  auto q = o.queued();
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].field, "name");
  EXPECT_EQ(q[0].value.as_string(), "c");                           // newest value
  EXPECT_EQ(q[0].transaction_id, "1764081234567.0003.n");           // newest txId
  EXPECT_EQ(q[0].expected_transaction_id, "1764081230000.0000.s");  // original expectation
  EXPECT_EQ(q[1].field, "status");
}

TEST(Outbox, AnEditBehindASentEntryExpectsItsTransactionOFFLINE006) {
  TempDb t;
  Outbox o(t.path());
  o.update(kPage, "name", "b", "1764081234567.0001.n", "1764081230000.0000.s");
  auto sent = o.queued().front();
  o.mark(sent.id, "sent");
  o.update(kPage, "name", "c", "1764081234567.0002.n", "1764081230000.0000.s");
  auto all = o.entries();
  ASSERT_EQ(all.size(), 2u);  // the sent entry was not rewritten
  EXPECT_EQ(all[0].value.as_string(), "b");
  EXPECT_EQ(all[1].expected_transaction_id, "1764081234567.0001.n");
  o.done(sent.id);
  EXPECT_EQ(o.entries().size(), 1u);
}

// DESIGN §21: the sent write was merged on the server; the edit behind it, made from what was
// sent, now expects that write's own base, so the server merges it too (not overwrites).
TEST(Outbox, AfterAMergedWriteTheEditBehindItExpectsItsBaseCOLLAB) {
  TempDb t;
  Outbox o(t.path());
  o.update(kPage, "description", "b", "1764081234567.0001.n", "1764081230000.0000.s");
  auto sent = o.claim(o.queued().front().id);
  ASSERT_TRUE(sent);
  o.update(kPage, "description", "c", "1764081234567.0002.n", std::nullopt);
  o.update(kPage, "name", "n", "1764081234567.0003.n", "1764081234567.0001.n");  // other field
  o.done(sent->id);
  o.expect_again(kPage, "description", sent->transaction_id, sent->expected_transaction_id);
  auto q = o.queued();
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].expected_transaction_id, "1764081230000.0000.s");
  EXPECT_EQ(q[1].expected_transaction_id, "1764081234567.0001.n");  // untouched
}

TEST(Outbox, AClaimedEntryIsNeverRewrittenAndAnEditBehindASentCreateExpectsItOFFLINE007) {
  TempDb t;
  Outbox o(t.path());
  o.create(kPage, {{"id", "p1"}, {"name", "a"}}, "1764081234567.0000.n");
  auto claimed = o.claim(o.queued().front().id);
  ASSERT_TRUE(claimed);
  EXPECT_EQ(claimed->state, "queued");  // as it was before the claim
  // In flight: the edit must not merge into the create being sent; it expects the create.
  auto absorbed = o.update(kPage, "name", "b", "1764081234567.0001.n", std::nullopt);
  EXPECT_TRUE(absorbed.empty());
  auto all = o.entries();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].value.as_object().at("name").as_string(), "a");  // what is being sent
  EXPECT_EQ(all[1].expected_transaction_id, "1764081234567.0000.n");
  EXPECT_EQ(o.claim(all[0].id)->state, "sent");  // a retry claims it again
  o.conflict(all[1].id, "server", "1764081239999.0000.s");
  EXPECT_FALSE(o.claim(all[1].id));  // conflicted: the user decides
}

TEST(Outbox, AnEditOfAConflictedFieldSquashesIntoItAndStaysConflictedOFFLINE008) {
  TempDb t;
  Outbox o(t.path());
  o.update(kPage, "name", "mine", "1764081234567.0001.n", "1764081230000.0000.s", true);
  auto id = o.entries().front().id;
  o.conflict(id, "theirs", "1764081239999.0000.s");
  auto absorbed = o.update(kPage, "name", "mine2", "1764081234567.0002.n", std::nullopt);
  ASSERT_EQ(absorbed.size(), 1u);
  EXPECT_EQ(absorbed[0].tx, "1764081234567.0001.n");
  auto e = *o.find(id);
  EXPECT_EQ(e.state, "conflicted");
  EXPECT_EQ(e.value.as_string(), "mine2");
  EXPECT_EQ(e.server_value.as_string(), "theirs");
  EXPECT_TRUE(e.offline);
  o.rebase(id, "merged", "1764081240000.0000.n", "1764081239999.0000.s");
  e = *o.find(id);
  EXPECT_EQ(e.state, "queued");
  EXPECT_EQ(e.expected_transaction_id, "1764081239999.0000.s");
  EXPECT_TRUE(e.server_value.is_null());
  EXPECT_TRUE(o.done_by_tx("1764081240000.0000.n"));
  EXPECT_TRUE(o.entries().empty());
}

TEST(Outbox, DeleteOfAServerEntityDropsItsQueuedEditsAndSurvivesReopenOFFLINE004) {
  TempDb t;
  {
    Outbox o(t.path());
    o.update(kPage, "name", "b", "1764081234567.0001.n", std::nullopt);
    o.remove(kPage, "1764081234567.0002.n", "1764081230000.0000.s");
  }
  Outbox reopened(t.path());
  auto q = reopened.queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].kind, "delete");
  EXPECT_EQ(q[0].field, "");  // entity-level entries use '', never NULL
  EXPECT_EQ(q[0].expected_transaction_id, "1764081230000.0000.s");
}

}  // namespace syncline::client
