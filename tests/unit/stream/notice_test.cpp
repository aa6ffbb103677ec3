// AB-001..005, CDC-010..021: the bus takes a NOTIFY payload only when it is exactly one of the
// shapes the worker writes; anything else is rejected whole.
#include <gtest/gtest.h>

#include "stream/notice.h"

namespace syncline::stream {

TEST(Notice, ActivitiesWithAndWithoutTheirEntityAB001) {
  auto with = parse_activity_notice(
      R"({"orgId":"o","activityId":7,"entityType":"page","entityId":"p","action":"update",)"
      R"("tx":{"transactionId":"t"},"changedKeys":["name"],"createdAt":"2026-12-01T00:00:00Z",)"
      R"("entity":{"data":{"id":"p"},"fieldTx":{"name":"t"}}})");
  ASSERT_TRUE(with);
  auto& a = std::get<ActivityNotice>(*with);
  EXPECT_TRUE(a.complete);
  EXPECT_EQ(a.fields.id, 7);
  EXPECT_EQ(a.fields.org_id, "o");
  EXPECT_TRUE(a.fields.data.is_object());
  auto cut = parse_activity_notice(
      R"({"orgId":"o","activityId":8,"entityType":"page","entityId":"p","action":"update",)"
      R"("tx":null,"changedKeys":[],"createdAt":"x","entity":null})");
  ASSERT_TRUE(cut);
  EXPECT_FALSE(std::get<ActivityNotice>(*cut).complete);  // the entity comes from the log
  auto del = parse_activity_notice(
      R"({"orgId":"o","activityId":9,"entityType":"page","entityId":"p","action":"delete",)"
      R"("tx":null,"changedKeys":[],"createdAt":"x","entity":null})");
  EXPECT_TRUE(std::get<ActivityNotice>(*del).complete);
}

TEST(Notice, OldValuesForRoutingShapesAreAnObjectOrAbsentSHAPE021) {
  const std::string head =
      R"({"orgId":"o","activityId":7,"entityType":"page","entityId":"p","action":"update",)"
      R"("tx":null,"changedKeys":["status"],"createdAt":"x","entity":{"data":{"id":"p"}},)";
  auto with = parse_activity_notice(head + R"("before":{"status":"published"}})");
  ASSERT_TRUE(with);
  EXPECT_EQ(std::get<ActivityNotice>(*with).fields.before.at("status"), "published");
  EXPECT_TRUE(make_event(std::get<ActivityNotice>(*with).fields)->before);
  auto none = parse_activity_notice(head + R"("before":null})");
  ASSERT_TRUE(none);
  EXPECT_FALSE(make_event(std::get<ActivityNotice>(*none).fields)->before);  // unknown
  EXPECT_FALSE(parse_activity_notice(head + R"("before":["published"]})"));
  EXPECT_FALSE(parse_activity_notice(head + R"("before":"published"})"));
}

TEST(Notice, DoorbellsAndControlMessagesAB003) {
  auto bell = parse_activity_notice(R"({"orgId":"o","fromActivityId":3,"toActivityId":150})");
  ASSERT_TRUE(bell);
  EXPECT_EQ(std::get<DoorbellNotice>(*bell).to, 150);
  auto control = parse_control_notice(R"({"orgId":null,"userId":"u"})");
  ASSERT_TRUE(control);
  EXPECT_EQ(control->user_id, "u");
  EXPECT_FALSE(control->org_id);
  EXPECT_EQ(parse_control_notice(R"({"orgId":"o","userId":"u"})")->org_id, "o");
}

TEST(Notice, AnythingElseIsRejectedWholeAB004) {
  const std::string a = R"({"orgId":"o","activityId":1,"entityType":"page","entityId":"p",)";
  for (const std::string& bad : {
           std::string(),
           std::string("[]"),
           std::string("{"),
           std::string("null"),
           std::string(R"({"orgId":"o"})"),
           std::string(R"({"orgId":"o","fromActivityId":5,"toActivityId":4})"),
           std::string(R"({"orgId":"o","fromActivityId":-1,"toActivityId":4})"),
           std::string(R"({"orgId":"","activityId":1,"entityType":"page","entityId":"p",)"
                       R"("action":"create","createdAt":""})"),
           std::string(R"({"orgId":"o","activityId":0,"entityType":"page","entityId":"p",)"
                       R"("action":"create","createdAt":""})"),
           a + R"("action":"drop","createdAt":""})",
           a + R"("action":"create","createdAt":"","changedKeys":{}})",
           a + R"("action":"create","createdAt":"","entity":1})",
           a + R"("action":"create","createdAt":"","entity":{"data":3}})",
       })
    EXPECT_FALSE(parse_activity_notice(bad)) << bad;
  for (const char* bad : {"", "{}", R"({"userId":1})", R"({"userId":"u","orgId":5})"})
    EXPECT_FALSE(parse_control_notice(bad)) << bad;
  EXPECT_FALSE(parse_activity_notice(std::string(9000, ' ') + "{}"));
}

TEST(Event, CreatedAtIsKeptInMicrosecondsForTheDeliveryHistogram) {
  ActivityFields a;
  a.id = 1;
  a.org_id = "o";
  a.entity_type = "page";
  a.entity_id = "p";
  a.action = "update";
  a.created_at = "2026-12-01T19:04:28.129280Z";
  EXPECT_EQ(make_event(a)->created_us, 1796151868129280);
  a.created_at = "2026-12-01T19:04:28Z";
  EXPECT_EQ(make_event(a)->created_us, 1796151868000000);
  a.created_at = "not a time";
  EXPECT_EQ(make_event(a)->created_us, 0);
}

}  // namespace syncline::stream
