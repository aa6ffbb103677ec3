// A streamed transaction's activities on disk (DESIGN §12 bounded memory, issue 16 item 3):
// read back after the commit in chunks, in order, every field as appended, without the
// subtransactions that aborted, numbered seq 0, 1, 2, … with the commit's LSN; the file is
// removed with the object.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cdc/spill.h"

namespace syncline::cdc {
namespace {

namespace json = boost::json;

PendingActivity activity(const std::string& id) {
  PendingActivity a;
  a.lsn = 1;
  a.seq = 99;  // renumbered on the way out
  a.org_id = "org";
  a.user_id = id == "p2" ? std::optional<std::string>() : std::optional<std::string>("u1");
  a.entity_type = "page";
  a.entity_id = id;
  a.action = wire::Action::kUpdate;
  a.changed_keys = json::array{"name"};
  a.tx = json::object{{"transactionId", "t-" + id}};
  a.entity = json::object{{"data", json::object{{"id", id}, {"name", "line\nbreak"}}},
                          {"fieldTx", json::object{}}};
  a.before = json::object{{"name", "old"}};
  return a;
}

TEST(Spill, ReadsBackInChunksWithoutAbortedSubtransactionsCDC001) {
  std::filesystem::path file;
  {
    SpilledTransaction t(700);
    t.append(700, activity("p1"));
    t.append(701, activity("gone1"));  // a savepoint rolled back
    t.append(700, activity("p2"));
    t.append(701, activity("gone2"));
    t.append(702, activity("p3"));
    t.abort_subtransaction(701);
    EXPECT_EQ(t.appended(), 5u);
    file = t.path();
    EXPECT_TRUE(std::filesystem::exists(file));
    const Lsn commit = 0x16B374D848ULL;
    auto first = t.next(2, commit);
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].entity_id, "p1");
    EXPECT_EQ(first[0].seq, 0);
    EXPECT_EQ(first[0].lsn, commit);
    EXPECT_EQ(first[0].user_id, "u1");
    EXPECT_EQ(first[0].entity.at("data").at("name"), "line\nbreak");
    EXPECT_EQ(first[0].before.at("name"), "old");
    EXPECT_EQ(first[0].tx.at("transactionId"), "t-p1");
    EXPECT_EQ(first[0].changed_keys, json::array{"name"});
    EXPECT_EQ(first[1].entity_id, "p2");
    EXPECT_EQ(first[1].seq, 1);
    EXPECT_FALSE(first[1].user_id);
    auto second = t.next(2, commit);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].entity_id, "p3");
    EXPECT_EQ(second[0].seq, 2);
    EXPECT_TRUE(t.next(2, commit).empty());
  }
  EXPECT_FALSE(std::filesystem::exists(file));
}

TEST(Spill, AStartRemovesTheFilesOfWorkersThatNoLongerRunCDC004) {
  auto dir = std::filesystem::temp_directory_path() / ("spill-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto dead = dir / "syncline-cdc-4194305-7-0";  // above any pid_max: never running
  const auto live = dir / ("syncline-cdc-" + std::to_string(getpid()) + "-7-1");
  const auto other = dir / "unrelated-file";
  for (const auto& f : {dead, live, other}) std::ofstream(f) << "x\n";
  EXPECT_EQ(remove_orphaned_spill_files(dir), 1u);
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(live));
  EXPECT_TRUE(std::filesystem::exists(other));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace syncline::cdc
