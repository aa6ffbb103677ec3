// Shapes on list endpoints (DESIGN §16, SHAPE-002, SHAPE-004) against the real server: random
// shapes over random pages list exactly what the same WHERE clause, written independently here,
// selects in Postgres (the oracle), page by page through cursors; a type the shape does not name
// lists nothing; every bad `shape` is 400 INVALID_SHAPE with the reason; permissions still apply.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <random>
#include <set>

#include "support/cdc_fixture.h"
#include "support/mutations.h"

namespace syncline::test {

namespace json = boost::json;

namespace {
std::string percent_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

const char* kStatuses[] = {"unpublished", "published", "archived"};
}  // namespace

class Shapes : public WithCdcWorker {
 protected:
  // Every id the list endpoint returns for the shape, following nextCursor with small pages.
  std::set<std::string> listed(const std::string& shape, const std::string& plural = "pages") {
    std::set<std::string> ids;
    std::string cursor;
    for (int page = 0; page < 100; ++page) {
      auto r = http_.get(base_ + "/" + plural + "?limit=7&shape=" + percent_encode(shape) +
                             (cursor.empty() ? "" : "&cursor=" + percent_encode(cursor)),
                         admin_.token);
      EXPECT_EQ(r.status, 200) << shape << ": " << r.body;
      if (r.status != 200) return ids;
      auto body = r.json().as_object();
      for (const auto& item : body["items"].as_array())
        ids.insert(std::string(item.as_object().at("data").as_object().at("id").as_string()));
      if (body["nextCursor"].is_null()) return ids;
      cursor = std::string(body["nextCursor"].as_string());
    }
    ADD_FAILURE() << "more than 100 pages";
    return ids;
  }
  std::set<std::string> oracle(const std::string& where) {
    auto csv =
        sql_value("SELECT coalesce(string_agg(id, ','), '') FROM pages WHERE organization_id = '" +
                  org_ + "'" + where);
    std::set<std::string> ids;
    for (std::size_t at = 0; at < csv.size();) {
      auto end = csv.find(',', at);
      if (end == std::string::npos) end = csv.size();
      ids.insert(csv.substr(at, end - at));
      at = end + 1;
    }
    return ids;
  }
};

TEST_F(Shapes, RandomShapesListExactlyWhatTheSameWhereSelectsSHAPE004) {
  std::mt19937 rng(1234);
  const std::vector<std::string> parents = {"root-a", "root-b"};
  for (const auto& p : parents)
    ASSERT_EQ(http_
                  .send("POST", base_ + "/pages",
                        create_body({{"id", p}, {"name", p}}, next_tx_id()), admin_.token)
                  .status,
              201);
  for (int i = 0; i < 60; ++i) {
    json::object data{{"id", "p" + std::to_string(i)},
                      {"name", "n" + std::to_string(i % 4)},
                      {"status", kStatuses[rng() % 3]},
                      {"displayOrder", static_cast<double>(rng() % 3)}};
    if (rng() % 3) data["parentId"] = parents[rng() % 2];
    ASSERT_EQ(
        http_.send("POST", base_ + "/pages", create_body(data, next_tx_id()), admin_.token).status,
        201);
  }
  for (int round = 0; round < 40; ++round) {
    json::object filters;
    std::string where;
    if (rng() % 2) {  // status: one value or a list
      if (rng() % 2) {
        std::string s = kStatuses[rng() % 3];
        filters["status"] = s;
        where += " AND status = '" + s + "'";
      } else {
        json::array list{kStatuses[rng() % 3], kStatuses[rng() % 3]};
        filters["status"] = list;
        where += " AND status IN ('" + std::string(list[0].as_string()) + "', '" +
                 std::string(list[1].as_string()) + "')";
      }
    }
    if (auto pick = rng() % 4; pick == 1) {
      filters["parentId"] = nullptr;
      where += " AND parent_id IS NULL";
    } else if (pick >= 2) {
      filters["parentId"] = parents[pick - 2];
      where += " AND parent_id = '" + parents[pick - 2] + "'";
    }
    if (rng() % 3 == 0) {
      double d = static_cast<double>(rng() % 3);
      filters["displayOrder"] = d;
      where += " AND display_order = " + std::to_string(d);
    }
    if (rng() % 4 == 0) {
      std::string n = "n" + std::to_string(rng() % 4);
      filters["name"] = n;
      where += " AND name = '" + n + "'";
    }
    const std::string shape = json::serialize(json::object{{"page", filters}});
    EXPECT_EQ(listed(shape), oracle(where)) << shape;
  }
  EXPECT_EQ(listed(R"({"page":{}})"), oracle(""));
  // A type the shape does not name has nothing in it.
  EXPECT_TRUE(listed(R"({"page":{}})", "attachments").empty());
  EXPECT_TRUE(listed(R"({"attachment":{}})").empty());
}

TEST_F(Shapes, EveryBadShapeIsA400WithTheReasonSHAPE002) {
  const std::pair<std::string, std::string> cases[] = {
      {"{", "not JSON"},
      {"[]", "an object of entity types"},
      {R"({"task":{}})", "no entity type 'task'"},
      {R"({"page":{"colour":"red"}})", "no field 'colour'"},
      {R"({"page":{"createdAt":"2026-01-01T00:00:00Z"}})", "cannot be filtered"},
      {R"({"page":{"status":"gone"}})", "must be one of"},
      {R"({"page":{"status":[]}})", "empty list"},
      {R"({"page":{"parentId":{"eq":"x"}}})", "scalars"},
      {R"({"page":{"name":")" + std::string(5000, 'x') + R"("}})", "4096 bytes"},
  };
  for (const auto& [shape, reason] : cases) {
    auto r = http_.get(base_ + "/pages?shape=" + percent_encode(shape), admin_.token);
    EXPECT_EQ(r.status, 400) << shape;
    EXPECT_EQ(r.error_code(), "INVALID_SHAPE") << shape;
    EXPECT_NE(r.body.find(reason), std::string::npos) << shape << ": " << r.body;
  }
  // Permissions are unchanged: a shape does not open another org's list.
  auto stranger = sign_up(http_, "Stranger");
  EXPECT_EQ(
      http_.get(base_ + "/pages?shape=" + percent_encode(R"({"page":{}})"), stranger.token).status,
      403);
}

}  // namespace syncline::test
