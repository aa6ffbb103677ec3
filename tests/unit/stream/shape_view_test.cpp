// What a stream with a shape gets for each event (DESIGN §16, SHAPE-003): the change when the
// entity is in the shape, a leave when it may have been before, a delete as today, else nothing.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "stream/subscriber.h"
#include "test_subscriber.h"

namespace syncline::stream {
namespace {

namespace json = boost::json;

EventPtr event(const char* action, const char* data, const char* changed) {
  wire::Activity a;
  a.id = 7;
  a.org_id = "o";
  a.entity_type = "page";
  a.entity_id = "p1";
  a.action = *wire::parse_action(action);
  a.created_at = "2026-12-01T00:00:00Z";
  a.changed_keys = json::parse(changed).as_array();
  a.tx = nullptr;
  a.entity = json::object{{"data", json::parse(data)}, {"fieldTx", json::object{}}};
  return make_event(a);
}

Subscriber subscriber(const char* shape) {
  return test_subscriber(shape);
}

std::string what(const Subscriber& s, const EventPtr& e) {
  auto v = s.view(e);
  if (!v) return "nothing";
  return v == e ? "change" : v == e->leave ? "leave" : "other";
}

TEST(ShapeView, EnterLeaveDeleteAndNothingSHAPE003) {
  auto s = subscriber(R"({"page":{"status":"published"}})");
  const char* in = R"({"id":"p1","name":"n","status":"published"})";
  const char* out = R"({"id":"p1","name":"n","status":"archived"})";
  EXPECT_EQ(what(s, event("create", in, R"(["name","status"])")), "change");
  EXPECT_EQ(what(s, event("create", out, R"(["name","status"])")), "nothing");  // never had it
  EXPECT_EQ(what(s, event("update", in, R"(["name"])")), "change");
  EXPECT_EQ(what(s, event("update", out, R"(["status"])")), "leave");   // moved out
  EXPECT_EQ(what(s, event("update", out, R"(["name"])")), "nothing");   // was never in
  EXPECT_EQ(what(s, event("update", "null", R"(["name"])")), "leave");  // gone by now
  EXPECT_EQ(what(s, event("delete", "null", "[]")), "change");          // a delete as today
  auto leave = json::parse(stream::message_json(*event("update", out, R"(["status"])")->leave));
  EXPECT_EQ(leave.as_object()["action"].as_string(), "leave");
  EXPECT_TRUE(leave.as_object()["data"].is_null());
  EXPECT_EQ(leave.as_object()["entityId"].as_string(), "p1");
}

TEST(ShapeView, TypesTheShapeDoesNotNameAreNotSentAndNoShapeIsEverythingSHAPE003) {
  auto s = subscriber(R"({"attachment":{}})");
  EXPECT_EQ(what(s, event("update", R"({"id":"p1","name":"n"})", R"(["name"])")), "nothing");
  auto all = subscriber(nullptr);
  EXPECT_EQ(what(all, event("update", R"({"id":"p1","name":"n"})", R"(["name"])")), "change");
}

}  // namespace
}  // namespace syncline::stream
