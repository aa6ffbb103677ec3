// What a stream gets for presence changes (DESIGN §21, COLLAB): the newest frame per presence,
// apart from the activity queue; a leave only for a presence it was shown; a leave too when the
// presence moves out of its shape; closed (`too_slow`) when a stalled reader's slot passes its
// bound. And the NOTIFY payloads: round trip, bounded batches, anything else refused whole.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "stream/subscriber.h"
#include "test_subscriber.h"
#include "wire/notice.h"
#include "wire/presence.h"

namespace syncline::stream {
namespace {

namespace json = boost::json;

wire::PresenceChange change(wire::PresenceAction a, const char* client, const char* entity,
                            json::object scope = {}, json::object state = {}) {
  wire::PresenceChange c;
  c.action = a;
  c.org_id = "o";
  c.user_id = "u2";
  c.client_id = client;
  if (entity) {
    c.entity_type = "page";
    c.entity_id = entity;
  }
  c.state = std::move(state);
  c.scope = std::move(scope);
  return c;
}

Subscriber subscriber(const char* shape) {
  return test_subscriber(shape);
}

std::vector<std::string> taken(Subscriber& s) {
  std::vector<std::string> out;
  for (const auto& f : s.take().presence) out.push_back(*f);
  return out;
}

std::string action_in(const std::string& frame) {
  auto data = frame.substr(frame.find("data: ") + 6);
  return std::string(json::parse(data).as_object().at("action").as_string());
}

TEST(PresenceSlot, TheNewestFramePerPresenceAndLeavesOnlyForWhatWasShownCOLLAB) {
  auto s = subscriber(nullptr);
  s.offer_presence(make_presence(change(wire::PresenceAction::kLeave, "never", nullptr)));
  EXPECT_TRUE(taken(s).empty());  // never shown: nothing to take back
  s.offer_presence(make_presence(change(wire::PresenceAction::kJoin, "a", nullptr)));
  s.offer_presence(make_presence(
      change(wire::PresenceAction::kUpdate, "a", nullptr, {}, {{"n", 2}})));  // coalesced
  auto frames = taken(s);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_NE(frames[0].find("\"n\":2"), std::string::npos) << frames[0];
  EXPECT_EQ(frames[0].find("id:"), std::string::npos);  // not in the log
  s.offer_presence(make_presence(change(wire::PresenceAction::kLeave, "a", nullptr)));
  frames = taken(s);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(action_in(frames[0]), "leave");
}

TEST(PresenceSlot, AShapedStreamIsToldWhenAPresenceMovesOutOfItCOLLAB) {
  auto s = subscriber(R"({"page":{"status":"published"}})");
  s.offer_presence(make_presence(
      change(wire::PresenceAction::kJoin, "a", "draft", {{"status", "unpublished"}})));
  EXPECT_TRUE(taken(s).empty());
  s.offer_presence(make_presence(change(wire::PresenceAction::kJoin, "b", nullptr)));
  EXPECT_EQ(taken(s).size(), 1u);  // org-level: every member
  s.offer_presence(
      make_presence(change(wire::PresenceAction::kUpdate, "a", "pub", {{"status", "published"}})));
  ASSERT_EQ(taken(s).size(), 1u);
  s.offer_presence(make_presence(
      change(wire::PresenceAction::kUpdate, "a", "draft", {{"status", "unpublished"}})));
  auto frames = taken(s);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(action_in(frames[0]), "leave");
}

TEST(PresenceSlot, AStalledReadersSlotIsBoundedCOLLAB) {
  auto s = subscriber(nullptr);
  const json::object state{{"text", std::string(900, 'x')}};
  for (int i = 0; i < 3000 && !s.closing(); ++i)
    s.offer_presence(make_presence(change(wire::PresenceAction::kJoin,
                                          ("c" + std::to_string(i)).c_str(), nullptr, {}, state)));
  EXPECT_TRUE(s.closing());
  auto t = s.take();
  EXPECT_TRUE(t.presence.empty());
  ASSERT_TRUE(t.final_frame);
  EXPECT_NE(t.final_frame->find("too_slow"), std::string::npos);
}

TEST(PresenceWire, ChangesRoundTripInBoundedPayloadsAndAnythingElseIsRefusedCOLLAB) {
  std::vector<wire::PresenceChange> many;
  for (int i = 0; i < 40; ++i)
    many.push_back(change(wire::PresenceAction::kUpdate, ("c" + std::to_string(i)).c_str(), "p",
                          {{"status", "published"}}, {{"text", std::string(900, 'y')}}));
  auto payloads = wire::encode_presence(many);
  EXPECT_GT(payloads.size(), 1u);
  std::size_t n = 0;
  for (const auto& p : payloads) {
    EXPECT_LE(p.size(), wire::kMaxPayloadBytes);
    auto back = wire::decode_presence(p);
    ASSERT_TRUE(back);
    for (const auto& c : *back) {
      EXPECT_EQ(c.client_id, many[n].client_id);
      EXPECT_EQ(c.state, many[n].state);
      EXPECT_EQ(c.scope, many[n].scope);
      EXPECT_EQ(c.entity_id, many[n].entity_id);
      ++n;
    }
  }
  EXPECT_EQ(n, many.size());
  for (const char* bad :
       {"", "{}", "[1]", "[{\"a\":\"join\"}]", "not json",
        R"([{"a":"dance","o":"o","u":"u","c":"c","t":null,"e":null,"s":{},"w":null,"f":{}}])",
        R"([{"a":"join","o":"o","u":"u","c":"c","t":"page","e":null,"s":{},"w":null,"f":{}}])"})
    EXPECT_FALSE(wire::decode_presence(bad)) << bad;
  EXPECT_TRUE(wire::decode_presence(
      R"([{"a":"join","o":"o","u":"u","c":"c","t":null,"e":null,"s":{},"w":null,"f":{}}])"));
}

}  // namespace
}  // namespace syncline::stream
