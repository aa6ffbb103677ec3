// The routing index of shapes (DESIGN §16, SHAPE-020..023): every stream an event concerns is a
// candidate (the entity is in its shape now, or was before the change), and — the point of the
// index — a stream filed under another value is not.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <random>

#include "stream/shape_routes.h"

namespace syncline::stream {
namespace {

namespace json = boost::json;

std::shared_ptr<Subscriber> subscriber(const std::string& shape) {
  SubscriberInfo info;
  info.org_id = "o";
  info.actor = {"u", false, "member"};
  if (!shape.empty()) info.shape = *entities::parse_shape(shape);
  return std::make_shared<Subscriber>(info, [] {});
}

// An event as the CDC sends it: the new row (null: deleted), what changed, and the old values
// of the touched filterable fields (`before` as cdc/activity_builder.cpp builds it) or unknown.
EventPtr event(const std::string& action, const json::value& old_row, const json::value& new_row,
               bool before_known = true) {
  wire::Activity a;
  a.id = 1;
  a.org_id = "o";
  a.entity_type = "page";
  a.entity_id = "x";
  a.action = *wire::parse_action(action);
  a.created_at = "2026-12-01T00:00:00Z";
  json::array changed;
  json::object before;
  for (const char* f : {"status", "parentId", "name", "displayOrder"}) {
    const json::value* was = old_row.is_object() ? old_row.as_object().if_contains(f) : nullptr;
    const json::value* now = new_row.is_object() ? new_row.as_object().if_contains(f) : nullptr;
    const json::value none;
    const bool differs = (was ? *was : none) != (now ? *now : none);
    if (action == "update" && differs) changed.emplace_back(f);
    if (action == "create" && now && !now->is_null()) changed.emplace_back(f);
    if ((action == "update" && differs) || action == "delete") before[f] = was ? *was : none;
  }
  a.changed_keys = changed;
  a.tx = nullptr;
  a.entity = json::object{{"data", new_row}, {"fieldTx", json::object{}}};
  if (before_known && !before.empty()) a.before = before;
  return make_event(a);
}

bool in(const Subscriber& s, const json::value& row) {
  if (!row.is_object()) return false;
  if (!s.shape()) return true;
  const auto* t = s.shape()->of("page");
  return t && t->matches(row.as_object());
}

std::set<const Subscriber*> candidates(const ShapeRoutes& r, const EventPtr& e) {
  std::vector<std::shared_ptr<Subscriber>> out;
  r.candidates(*e, out);
  std::set<const Subscriber*> set;
  for (auto& s : out) EXPECT_TRUE(set.insert(s.get()).second) << "offered twice";
  return set;
}

TEST(ShapeRoutes, OffersAWriteOnlyToTheStreamsFiledUnderItsValuesSHAPE020) {
  ShapeRoutes routes;
  std::vector<std::shared_ptr<Subscriber>> subs;
  for (int i = 0; i < 1000; ++i) {
    subs.push_back(subscriber(R"({"page":{"parentId":"p)" + std::to_string(i) + R"("}})"));
    routes.add(subs.back());
  }
  auto whole = subscriber("");
  auto every_page = subscriber(R"({"page":{}})");
  auto other_type = subscriber(R"({"attachment":{}})");
  for (auto* s : {&whole, &every_page, &other_type}) routes.add(*s);

  json::value row = json::parse(R"({"id":"x","name":"a","parentId":"p5"})");
  json::value renamed = json::parse(R"({"id":"x","name":"b","parentId":"p5"})");
  json::value moved = json::parse(R"({"id":"x","name":"b","parentId":"p9"})");
  EXPECT_EQ(candidates(routes, event("update", row, renamed)),
            (std::set<const Subscriber*>{subs[5].get(), whole.get(), every_page.get()}));
  // A move: where it went (enter) and where it was (leave).
  EXPECT_EQ(
      candidates(routes, event("update", renamed, moved)),
      (std::set<const Subscriber*>{subs[5].get(), subs[9].get(), whole.get(), every_page.get()}));
  EXPECT_EQ(candidates(routes, event("delete", moved, nullptr)),
            (std::set<const Subscriber*>{subs[9].get(), whole.get(), every_page.get()}));
  EXPECT_EQ(candidates(routes, event("create", nullptr, row)),
            (std::set<const Subscriber*>{subs[5].get(), whole.get(), every_page.get()}));
  // Where it was is not known (read from the log): every stream filed on the field.
  EXPECT_EQ(candidates(routes, event("update", renamed, moved, false)).size(), 1002u);
  // Gone once removed; the index empties.
  routes.remove(subs[5].get());
  EXPECT_EQ(candidates(routes, event("update", row, renamed)).size(), 2u);
  for (auto& s : subs)
    if (s != subs[5]) routes.remove(s.get());
  for (auto* s : {&whole, &every_page, &other_type}) routes.remove(s->get());
  EXPECT_TRUE(routes.empty());
}

TEST(ShapeRoutes, EveryStreamTheEntityIsOrWasInIsACandidateSHAPE021) {
  std::mt19937 rng(20261201);
  auto pick = [&](std::vector<json::value> from) { return from[rng() % from.size()]; };
  const std::vector<json::value> statuses{"published", "unpublished", "archived"};
  const std::vector<json::value> parents{nullptr, "p1", "p2", "p3"};
  const std::vector<json::value> orders{0, 1, 2.0};
  auto condition = [&]() -> std::pair<std::string, json::value> {
    switch (rng() % 5) {
      case 0:
        return {"status", pick(statuses)};
      case 1:
        return {"status", json::array{pick(statuses), pick(statuses)}};
      case 2:
        return {"parentId", pick(parents)};
      case 3:
        return {"displayOrder", json::array{pick(orders), pick(orders)}};
      default:
        return {"name", pick({"a", "b"})};
    }
  };
  ShapeRoutes routes;
  std::vector<std::shared_ptr<Subscriber>> subs;
  for (int i = 0; i < 300; ++i) {
    json::object page;
    for (int n = rng() % 3; n > 0; --n) {
      auto [f, v] = condition();
      page[f] = v;
    }
    subs.push_back(subscriber(i % 50 == 0 ? "" : json::serialize(json::object{{"page", page}})));
    routes.add(subs.back());
  }
  auto row = [&]() -> json::value {
    json::object o{{"id", "x"},
                   {"name", pick({"a", "b"})},
                   {"status", pick(statuses)},
                   {"displayOrder", pick(orders)}};
    if (auto p = pick(parents); !p.is_null()) o["parentId"] = p;
    return o;
  };
  std::size_t offered = 0, concerned = 0;
  for (int round = 0; round < 2000; ++round) {
    const int kind = static_cast<int>(rng() % 3);
    const json::value old_row = kind == 0 ? json::value(nullptr) : row();
    const json::value new_row = kind == 2 ? json::value(nullptr) : row();
    const char* action = kind == 0 ? "create" : kind == 1 ? "update" : "delete";
    auto e = event(action, old_row, new_row, round % 7 != 0);
    auto got = candidates(routes, e);
    offered += got.size();
    for (const auto& s : subs) {
      const bool concerns = in(*s, new_row) || in(*s, old_row);
      concerned += concerns;
      if (concerns) {
        EXPECT_TRUE(got.count(s.get()))
            << action << " " << json::serialize(old_row) << " -> " << json::serialize(new_row);
      }
    }
  }
  EXPECT_GT(concerned, 0u);                 // the workload does move entities in and out
  EXPECT_LT(offered, 2000u * subs.size());  // and the index is not "everyone"
}

TEST(ShapeRoutes, ValueKeysAreEqualExactlyWhenTheShapeSeesEqualValuesSHAPE020) {
  const json::value three = 3, three_f = 3.0, minus_zero = -0.0, zero = 0, s3 = "3";
  EXPECT_EQ(value_key(&three), value_key(&three_f));
  EXPECT_EQ(value_key(&minus_zero), value_key(&zero));
  EXPECT_NE(value_key(&three), value_key(&s3));
  const json::value null;
  EXPECT_EQ(value_key(nullptr), value_key(&null));
  const json::value t = true, one = 1;
  EXPECT_NE(value_key(&t), value_key(&one));
}

}  // namespace
}  // namespace syncline::stream
