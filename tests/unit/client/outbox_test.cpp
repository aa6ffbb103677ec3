// Outbox squash/coalesce table tests (OFFLINE-001..009): what reaches the server is the
// fewest requests that keep every intent, and only never-sent entries are rewritten.
#include "syncline/outbox.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace syncline::client {

namespace {
struct TempOutbox {
  std::string dir;
  TempOutbox() {
    char tmpl[] = "/tmp/syncline-outbox-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  ~TempOutbox() { std::filesystem::remove_all(dir); }
  std::string path() const { return dir + "/cache.db"; }
};
const EntityKey kPage{"o", "page", "p1"};
}  // namespace

TEST(Outbox, CreateThenTwoEditsIsOneRequestOFFLINE003) {
  TempOutbox t;
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
  TempOutbox t;
  Outbox o(t.path());
  o.create(kPage, {{"id", "p1"}, {"name", "a"}}, "1764081234567.0000.n");
  o.update(kPage, "name", "b", "1764081234567.0001.n", std::nullopt);
  o.remove(kPage, "1764081234567.0002.n", std::nullopt);
  EXPECT_TRUE(o.entries().empty());
}

TEST(Outbox, TwoFieldsAreTwoRequestsAndSameFieldSquashesOFFLINE002) {
  TempOutbox t;
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
  TempOutbox t;
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

TEST(Outbox, DeleteOfAServerEntityDropsItsQueuedEditsAndSurvivesReopen) {
  TempOutbox t;
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
