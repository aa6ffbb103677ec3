// The client's SQLite store: entities with their fieldTx (CONFLICT-010..012), offsets per org
// (OFFLINE-OFFSET-001..006), change callbacks, WAL mode, and surviving a reopen.
#include "syncline/local_store.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include "temp_db.h"

#include <filesystem>

namespace syncline::client {

namespace {

CachedEntity page(const std::string& org, const std::string& id, const std::string& name,
                  const std::string& tx) {
  return {{org, "page", id}, {{"id", id}, {"name", name}}, {{"name", tx}}};
}
}  // namespace

TEST(LocalStore, StoresEntitiesAndTheirFieldTransactionsCONFLICT010) {
  TempDb t;
  LocalStore s(t.path());
  EXPECT_EQ(s.journal_mode(), "wal");
  s.put(page("o1", "b", "B", "1764081234567.0000.a"));
  s.put(page("o1", "a", "A", "1764081234567.0001.a"));
  s.put(page("o2", "a", "other org", "1764081234567.0002.a"));
  auto list = s.list("o1", "page");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].key.entity_id, "a");
  EXPECT_EQ(list[0].data.at("name").as_string(), "A");
  EXPECT_EQ(s.expected_transaction_id({"o1", "page", "b"}, "name"), "1764081234567.0000.a");
  EXPECT_FALSE(s.expected_transaction_id({"o1", "page", "b"}, "status"));
  // Replaced from the server's fieldTx, not merged.
  s.put({{"o1", "page", "b"}, {{"id", "b"}, {"name", "B2"}}, {{"status", "1764081234999.0000.z"}}});
  EXPECT_FALSE(s.expected_transaction_id({"o1", "page", "b"}, "name"));
  EXPECT_EQ(s.expected_transaction_id({"o1", "page", "b"}, "status"), "1764081234999.0000.z");
  s.remove({"o1", "page", "a"});
  EXPECT_FALSE(s.get({"o1", "page", "a"}));
  EXPECT_TRUE(s.get({"o2", "page", "a"}));
}

TEST(LocalStore, SurvivesARestartAndClearsOneOrgOnResetOFFLINEOFFSET001) {
  TempDb t;
  {
    LocalStore s(t.path());
    s.put(page("o1", "p", "P", "1764081234567.0000.a"));
    s.put(page("o2", "q", "Q", "1764081234567.0001.a"));
    s.set_offset("o1", 42);
    s.set_offset("o1", 57);
    s.set_offset("o2", 7);
  }
  LocalStore s(t.path());
  EXPECT_EQ(s.offset("o1"), 57);
  EXPECT_EQ(s.get({"o1", "page", "p"})->data.at("name").as_string(), "P");
  s.clear_org("o1");
  EXPECT_FALSE(s.offset("o1"));
  EXPECT_TRUE(s.list("o1", "page").empty());
  EXPECT_EQ(s.offset("o2"), 7);
  EXPECT_EQ(s.list("o2", "page").size(), 1u);
}

TEST(LocalStore, ListenersSeeEveryChangeUntilUnsubscribedCONFLICT010) {
  TempDb t;
  LocalStore s(t.path());
  std::vector<Change> seen;
  int id = s.subscribe([&](const Change& c) { seen.push_back(c); });
  s.put(page("o", "p", "P", "1764081234567.0000.a"));
  s.remove({"o", "page", "p"});
  s.unsubscribe(id);
  s.put(page("o", "p", "again", "1764081234567.0001.a"));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen[0].entity);
  EXPECT_EQ(seen[0].entity->data.at("name").as_string(), "P");
  EXPECT_FALSE(seen[1].entity);
  EXPECT_EQ(seen[1].key.entity_id, "p");
}

}  // namespace syncline::client
