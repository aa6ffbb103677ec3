// The activity wire format (DESIGN §5, CDC-010..021, AB-001..005): what the worker writes the
// bus reads back unchanged; payloads stay under Postgres' NOTIFY limit by dropping `before`,
// then `entity`; a bulk commit rings one doorbell per org; a payload that is not exactly one of
// the shapes is rejected whole.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "common/json_text.h"
#include "wire/notice.h"

namespace syncline::wire {

namespace json = boost::json;

namespace {
Activity sample(std::int64_t id, std::string org = "o") {
  Activity a;
  a.id = id;
  a.org_id = std::move(org);
  a.entity_type = "page";
  a.entity_id = "p\"1\n";  // quotes and a newline: escaped, one line
  a.action = Action::kUpdate;
  a.created_at = "2026-12-01T00:00:00.123456Z";
  a.changed_keys = json::array{"name"};
  a.tx = json::object{{"transactionId", "t"}, {"sourceId", "s"}, {"changedField", "name"}};
  a.entity = json::object{{"data", json::object{{"id", "p"}, {"name", "n"}}},
                          {"fieldTx", json::object{{"name", "t"}}}};
  a.before = json::object{{"status", "draft"}};
  return a;
}
}  // namespace

TEST(WireNotice, AnActivityRoundTripsCDC010) {
  auto a = sample(7);
  auto payload = encode(a);
  EXPECT_EQ(payload.find('\n'), std::string::npos);
  auto back = decode_activity(payload);
  ASSERT_TRUE(back);
  auto& b = std::get<Activity>(*back);
  EXPECT_EQ(b.id, 7);
  EXPECT_EQ(b.org_id, a.org_id);
  EXPECT_EQ(b.entity_type, a.entity_type);
  EXPECT_EQ(b.entity_id, a.entity_id);
  EXPECT_EQ(b.action, a.action);
  EXPECT_EQ(b.created_at, a.created_at);
  EXPECT_EQ(b.changed_keys, a.changed_keys);
  EXPECT_EQ(b.tx, a.tx);
  EXPECT_EQ(b.entity, a.entity);
  EXPECT_EQ(b.before, a.before);
  EXPECT_TRUE(b.complete());
}

TEST(WireNotice, TooBigDropsTheOldValuesThenTheEntityCDC012) {
  auto a = sample(8);
  a.before = json::object{{"status", std::string(4000, 'b')}};
  a.entity.as_object()["data"].as_object()["name"] = std::string(4000, 'n');
  auto cut = encode(a);
  EXPECT_LE(cut.size(), kMaxPayloadBytes);
  auto b = std::get<Activity>(*decode_activity(cut));
  EXPECT_TRUE(b.before.is_null());  // unknown: every shape on the field is a candidate
  EXPECT_TRUE(b.entity.is_object());
  EXPECT_TRUE(b.complete());
  a.entity.as_object()["data"].as_object()["name"] = std::string(8000, 'n');
  auto bare = encode(a);
  EXPECT_LE(bare.size(), kMaxPayloadBytes);
  auto c = std::get<Activity>(*decode_activity(bare));
  EXPECT_TRUE(c.entity.is_null());
  EXPECT_FALSE(c.complete());  // the bus reads it from the log
  a.action = Action::kDelete;
  EXPECT_TRUE(std::get<Activity>(*decode_activity(encode(a))).complete());
  // Even without both too big (thousands of changed columns): a doorbell for this activity.
  for (int i = 0; i < 300; ++i)
    a.changed_keys.emplace_back("column_with_a_long_name_" + std::to_string(i));
  auto bell = encode(a);
  EXPECT_LE(bell.size(), kMaxPayloadBytes);
  auto d = std::get<DoorbellNotice>(*decode_activity(bell));
  EXPECT_EQ(d.from, 8);
  EXPECT_EQ(d.to, 8);
}

TEST(WireNotice, ABulkCommitRingsOneDoorbellPerOrgInPlaceAB003) {
  std::vector<Activity> batch{sample(1, "small")};
  for (std::int64_t id = 2; id <= 2 + static_cast<std::int64_t>(kDoorbellThreshold); ++id)
    batch.push_back(sample(id, "bulk"));
  batch.push_back(sample(200, "small"));
  auto out = encode_batch(batch);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(std::get<Activity>(*decode_activity(out[0])).id, 1);
  auto bell = std::get<DoorbellNotice>(*decode_activity(out[1]));
  EXPECT_EQ(bell.org_id, "bulk");
  EXPECT_EQ(bell.from, 2);
  EXPECT_EQ(bell.to, 2 + static_cast<std::int64_t>(kDoorbellThreshold));
  EXPECT_EQ(std::get<Activity>(*decode_activity(out[2])).id, 200);
  // At the threshold, still one payload each.
  batch.resize(1 + kDoorbellThreshold);
  EXPECT_EQ(encode_batch(batch).size(), batch.size());
}

TEST(WireNotice, ControlMessagesRoundTripAB002) {
  auto all = decode_control(encode(ControlNotice{"u", std::nullopt}));
  ASSERT_TRUE(all);
  EXPECT_EQ(all->user_id, "u");
  EXPECT_FALSE(all->org_id);
  EXPECT_EQ(decode_control(encode(ControlNotice{"u", "o"}))->org_id, "o");
  EXPECT_EQ(json::parse(encode(ControlNotice{"u", std::nullopt})),
            json::parse(R"({"orgId":null,"userId":"u"})"));
}

TEST(WireNotice, ACutActivityFromTheWorkerAndADeleteAB001) {
  auto cut = decode_activity(
      R"({"orgId":"o","activityId":8,"entityType":"page","entityId":"p","action":"update",)"
      R"("tx":null,"changedKeys":[],"createdAt":"x","entity":null})");
  ASSERT_TRUE(cut);
  EXPECT_FALSE(std::get<Activity>(*cut).complete());
  auto del = decode_activity(
      R"({"orgId":"o","activityId":9,"entityType":"page","entityId":"p","action":"delete",)"
      R"("tx":null,"changedKeys":[],"createdAt":"x","entity":null})");
  EXPECT_TRUE(std::get<Activity>(*del).complete());
}

TEST(WireNotice, AnythingElseIsRejectedWholeAB004) {
  const std::string a = R"({"orgId":"o","activityId":1,"entityType":"page","entityId":"p",)";
  const std::string head =
      R"({"orgId":"o","activityId":7,"entityType":"page","entityId":"p","action":"update",)"
      R"("tx":null,"changedKeys":["status"],"createdAt":"x","entity":{"data":{"id":"p"}},)";
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
           a + R"("action":"create","createdAt":"","changedKeys":["name",1.0]})",
           a + R"("action":"create","createdAt":"","entity":1})",
           a + R"("action":"create","createdAt":"","entity":{"data":3}})",
           a + R"("action":"create","createdAt":"","entity":{"fieldTx":[]}})",
           a + R"("action":"create","createdAt":"","tx":"t"})",
           head + R"("before":["published"]})",
           head + R"("before":"published"})",
       })
    EXPECT_FALSE(decode_activity(bad)) << bad;
  for (const char* bad : {"", "{}", R"({"userId":1})", R"({"userId":"u","orgId":5})"})
    EXPECT_FALSE(decode_control(bad)) << bad;
  EXPECT_FALSE(decode_activity(std::string(9000, ' ') + "{}"));  // over Postgres' limit
}

TEST(WireNotice, ARefetchMarkerNamesATypeAndNoEntityDATASCALE005) {
  Activity m;
  m.id = 9;
  m.org_id = "o";
  m.entity_type = "page";
  m.action = Action::kRefetch;
  m.created_at = "2026-12-01T00:00:00.000000Z";
  auto back = decode_activity(encode(m));
  ASSERT_TRUE(back);
  const auto& b = std::get<Activity>(*back);
  EXPECT_EQ(b.action, Action::kRefetch);
  EXPECT_TRUE(b.entity_id.empty());
  EXPECT_TRUE(b.complete());  // nothing to read from the log
  // A refetch naming an entity, or a change naming none, is not one of the shapes.
  m.entity_id = "p1";
  EXPECT_FALSE(decode_activity(encode(m)));
  auto c = sample(3);
  c.entity_id = "";
  EXPECT_FALSE(decode_activity(encode(c)));
}

// Found by fuzz/notice_fuzz: numbers in an entity travel as JavaScript reads them (1.0 is 1,
// an overflowing 1e400 is null), so the payload written back is the frame a client would see.
TEST(WireNotice, NumbersRoundTripAsAClientReadsThemAB001) {
  const std::string payload =
      R"({"orgId":"o","activityId":7,"entityType":"page","entityId":"p","action":"update",)"
      R"("tx":null,"changedKeys":["n"],"createdAt":"x",)"
      R"("entity":{"data":{"id":"p","n":1.0,"big":1e400,"tiny":5e-324}}})";
  auto a = std::get<Activity>(*decode_activity(payload));
  auto b = std::get<Activity>(*decode_activity(encode(a)));
  EXPECT_EQ(json_text(b.entity), json_text(a.entity));
  EXPECT_EQ(json_text(b.entity), R"({"data":{"id":"p","n":1,"big":null,"tiny":5e-324}})");
}

}  // namespace syncline::wire
