// Bulk writes as one refetch marker per (org, type) (DESIGN §18, DATA-SCALE-005).
#include "cdc/bulk.h"

#include <gtest/gtest.h>

namespace syncline::cdc {
namespace {

PendingActivity act(int seq, const std::string& org, const std::string& type) {
  PendingActivity a;
  a.lsn = 42;
  a.seq = seq;
  a.org_id = org;
  a.entity_type = type;
  a.entity_id = "e" + std::to_string(seq);
  a.action = wire::Action::kCreate;
  return a;
}

TEST(Bulk, APairOverTheThresholdBecomesOneMarkerWhereItsFirstChangeWasDATASCALE005) {
  std::vector<PendingActivity> v{act(0, "o1", "page")};
  for (int i = 1; i <= 5; ++i) v.push_back(act(i, "o2", "page"));  // 5 > 3: bulk
  v.push_back(act(6, "o2", "attachment"));                         // 1: kept
  v.push_back(act(7, "o1", "page"));                               // 2 in all: kept
  collapse_bulk(v, 3);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].seq, 0);
  EXPECT_EQ(v[1].action, wire::Action::kRefetch);
  EXPECT_EQ(v[1].seq, 1);  // the position (and seq) of the pair's first change
  EXPECT_EQ(v[1].org_id, "o2");
  EXPECT_EQ(v[1].entity_type, "page");
  EXPECT_TRUE(v[1].entity_id.empty());
  EXPECT_TRUE(v[1].entity.is_null());
  EXPECT_EQ(v[2].entity_type, "attachment");
  EXPECT_EQ(v[3].seq, 7);
}

TEST(Bulk, ChunksOfAStreamedTransactionGetOneMarkerAndAbortedChangesDoNotCountDATASCALE005) {
  BulkCounts counts;
  for (int i = 0; i < 4; ++i) counts.add(1, act(i, "o", "page"));
  for (int i = 0; i < 10; ++i) counts.add(2, act(i, "o", "attachment"));  // aborted below
  auto bulk = counts.over(3, {2});
  ASSERT_EQ(bulk.size(), 1u);
  EXPECT_EQ(bulk.begin()->second, "page");
  BulkCollapse collapse(bulk);
  std::vector<PendingActivity> first{act(0, "o", "page"), act(1, "o", "page")};
  std::vector<PendingActivity> second{act(2, "o", "page"), act(3, "o", "page")};
  collapse.apply(first);
  collapse.apply(second);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].action, wire::Action::kRefetch);
  EXPECT_TRUE(second.empty());
  EXPECT_TRUE(counts.over(0).empty());  // threshold 0: never
}

}  // namespace
}  // namespace syncline::cdc
