// StreamEvent from an activity as its NOTIFY payload carried it (AB-001, SHAPE-021) and the
// createdAt kept for the delivery histogram.
#include <gtest/gtest.h>

#include "stream/event.h"
#include "wire/notice.h"

namespace syncline::stream {

TEST(Event, FromANoticeTheEntitysDataAndFieldTxAreInTheFrameAB001) {
  auto n = wire::decode_activity(
      R"({"orgId":"o","activityId":7,"entityType":"page","entityId":"p","action":"update",)"
      R"("tx":{"transactionId":"t"},"changedKeys":["name"],"createdAt":"2026-12-01T00:00:00Z",)"
      R"("entity":{"data":{"id":"p","name":"n"},"fieldTx":{"name":"t"}}})");
  ASSERT_TRUE(n);
  auto e = make_event(std::get<wire::Activity>(std::move(*n)));
  EXPECT_EQ(e->id, 7);
  ASSERT_TRUE(e->data);
  EXPECT_EQ(e->data->at("name"), "n");
  EXPECT_NE(e->frame->find(R"("fieldTx":{"name":"t"})"), std::string::npos) << *e->frame;
  EXPECT_EQ(e->changed_keys, std::vector<std::string>{"name"});
}

TEST(Event, OldValuesRouteLeavesOnlyWhenKnownSHAPE021) {
  const std::string head =
      R"({"orgId":"o","activityId":7,"entityType":"page","entityId":"p","action":"update",)"
      R"("tx":null,"changedKeys":["status"],"createdAt":"x","entity":{"data":{"id":"p"}},)";
  auto with = wire::decode_activity(head + R"("before":{"status":"published"}})");
  ASSERT_TRUE(with);
  EXPECT_TRUE(make_event(std::get<wire::Activity>(std::move(*with)))->before);
  auto none = wire::decode_activity(head + R"("before":null})");
  ASSERT_TRUE(none);
  EXPECT_FALSE(make_event(std::get<wire::Activity>(std::move(*none)))->before);
}

TEST(Event, CreatedAtIsKeptInMicrosecondsForTheDeliveryHistogramPERF002) {
  wire::Activity a;
  a.id = 1;
  a.org_id = "o";
  a.entity_type = "page";
  a.entity_id = "p";
  a.action = wire::Action::kUpdate;
  a.created_at = "2026-12-01T19:04:28.129280Z";
  EXPECT_EQ(make_event(a)->created_us, 1796151868129280);
  a.created_at = "2026-12-01T19:04:28Z";
  EXPECT_EQ(make_event(a)->created_us, 1796151868000000);
  a.created_at = "not a time";
  EXPECT_EQ(make_event(a)->created_us, 0);
}

}  // namespace syncline::stream
