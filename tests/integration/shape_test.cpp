// Shapes on list endpoints (DESIGN §16, SHAPE-002, SHAPE-004) against the real server: random
// shapes over random pages list exactly what the same WHERE clause, written independently here,
// selects in Postgres (the oracle), page by page through cursors; a type the shape does not name
// lists nothing; every bad `shape` is 400 INVALID_SHAPE with the reason; permissions still apply.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "support/cdc_fixture.h"
#include "support/mutations.h"
#include "support/sse_client.h"
#include "syncline/shape.h"

namespace syncline::test {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
const char* kStatuses[] = {"unpublished", "published", "archived"};
}  // namespace

class Shapes : public WithCdcWorker {
 protected:
  // Every id the list endpoint returns for the shape, following nextCursor with small pages.
  std::set<std::string> listed(const std::string& shape, const std::string& plural = "pages") {
    std::set<std::string> ids;
    std::string cursor;
    for (int page = 0; page < 100; ++page) {
      auto r = http_.get(base_ + "/" + plural + "?limit=7&shape=" + client::query_encode(shape) +
                             (cursor.empty() ? "" : "&cursor=" + client::query_encode(cursor)),
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
    auto ids = sql_column("SELECT id FROM pages WHERE organization_id = '" + org_ + "'" + where);
    return {ids.begin(), ids.end()};
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
  std::string last_shape, last_where;
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
    // With the previous round's, a union (SHAPE-005): what either selects.
    if (!last_shape.empty()) {
      const std::string both = "[" + last_shape + "," + shape + "]";
      EXPECT_EQ(listed(both), oracle(" AND ((true" + last_where + ") OR (true" + where + "))"))
          << both;
    }
    last_shape = shape;
    last_where = where;
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
    auto r = http_.get(base_ + "/pages?shape=" + client::query_encode(shape), admin_.token);
    EXPECT_EQ(r.status, 400) << shape;
    EXPECT_EQ(r.error_code(), "INVALID_SHAPE") << shape;
    EXPECT_NE(r.body.find(reason), std::string::npos) << shape << ": " << r.body;
  }
  // Permissions are unchanged: a shape does not open another org's list.
  auto stranger = sign_up(http_, "Stranger");
  EXPECT_EQ(
      http_.get(base_ + "/pages?shape=" + client::query_encode(R"({"page":{}})"), stranger.token)
          .status,
      403);
}

// SEC-03x for shapes (DESIGN §12): a tenant holding its session's maximal number of streams,
// each with a maximal union (32 objects, 256 values), and rewriting the filtered fields, costs
// its own org only: another org's stream gets every one of its writes, in order; the 17th
// stream and a shape over the bounds are refused with the reason.
TEST_F(Shapes, MaximalShapesCostOnlyTheirOwnOrgSEC034) {
  auto attacker = sign_up(http_, "Attacker");
  const std::string evil_org = std::string(create_org(http_, attacker)["id"].as_string());
  const std::string evil = "/organizations/" + evil_org;
  json::array objects;
  for (int o = 0; o < 32; ++o) {
    json::array names;
    for (int v = 0; v < 8; ++v) names.emplace_back("n" + std::to_string(o * 8 + v));
    objects.push_back(json::object{{"page", json::object{{"name", names}}}});
  }
  const std::string maximal = json::serialize(objects);
  ASSERT_LE(maximal.size(), 4096u);
  std::vector<std::unique_ptr<SseClient>> streams;
  for (int i = 0; i < 16; ++i) {
    streams.push_back(std::make_unique<SseClient>(
        http_.port(), evil + "/live?live=sse&offset=now&shape=" + client::query_encode(maximal),
        attacker.token));
    ASSERT_EQ(streams.back()->status(), 200) << streams.back()->head();
  }
  SseClient more(http_.port(),
                 evil + "/live?live=sse&offset=now&shape=" + client::query_encode(maximal),
                 attacker.token);
  EXPECT_EQ(more.status(), 429);  // the session's streams are capped: so is its index
  objects.push_back(objects[0]);
  auto over = http_.get(evil + "/pages?shape=" + client::query_encode(json::serialize(objects)),
                        attacker.token);
  EXPECT_EQ(over.status, 400);
  EXPECT_NE(over.body.find("at most 32 objects"), std::string::npos) << over.body;

  SseClient victim(http_.port(), base_ + "/live?live=sse&offset=now", admin_.token);
  ASSERT_EQ(victim.status(), 200);
  ASSERT_TRUE(victim.next_of("offset"));
  std::atomic<bool> stop{false};
  std::thread flood([&] {  // renames in and out of every stream's shape
    for (int i = 0; !stop; ++i) {
      const std::string id = "e" + std::to_string(i % 20);
      json::object d{{"id", id}, {"name", "n" + std::to_string(i % 300)}};
      if (i < 20)
        http_.send("POST", evil + "/pages", create_body(d, next_tx_id()), attacker.token);
      else if (auto cur = http_.get(evil + "/pages/" + id, attacker.token); cur.status == 200)
        http_.send("PATCH", evil + "/pages/" + id,
                   update_body("name", d["name"], next_tx_id(),
                               std::string(cur.json().at("fieldTx").at("name").as_string())),
                   attacker.token);
    }
  });
  std::vector<std::string> sent, got;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    sent.push_back("v" + std::to_string(i));
    ASSERT_EQ(
        http_
            .send("POST", base_ + "/pages",
                  create_body({{"id", sent.back()}, {"name", "v"}}, next_tx_id()), admin_.token)
            .status,
        201);
  }
  while (got.size() < sent.size()) {
    auto e = victim.next_of("change", 30s);
    if (!e) break;
    got.emplace_back(json::parse(e->data).as_object()["entityId"].as_string());
  }
  const auto took = std::chrono::steady_clock::now() - start;
  stop = true;
  flood.join();
  EXPECT_EQ(got, sent);
  std::printf(
      "[ measure ] 20 writes reached another org's stream in %lld ms under the flood\n",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

// SHAPE-003: random creates, updates and deletes move pages in and out of random shapes while
// subscribers stream them, some reconnecting from the last id they saw. No subscriber ever gets
// an entity outside its shape, and each one's cache (changes put, leaves and deletes removed)
// ends equal to the same WHERE in Postgres (the oracle).
TEST_F(Shapes, StreamsCarryEnterAndLeaveAndCachesConvergeToTheShapeSHAPE003) {
  std::mt19937 rng(99);
  struct Alt {
    std::set<std::string> statuses;  // empty: any
    int parent = -1;                 // -1 any, 0 null, 1 root-a, 2 root-b
  };
  struct Sub {
    std::vector<Alt> alts;  // a union when several (SHAPE-005)
    std::string shape, where;
    std::unique_ptr<SseClient> stream;
    std::string last_id = "-1";
    std::map<std::string, std::string> cache;  // id → status
    int outside = 0;                           // changes with data outside the shape
  };
  const std::string parents[] = {"", "root-a", "root-b"};
  for (int p = 1; p <= 2; ++p)
    ASSERT_EQ(
        http_
            .send("POST", base_ + "/pages",
                  create_body({{"id", parents[p]}, {"name", parents[p]}, {"status", "archived"}},
                              next_tx_id()),
                  admin_.token)
            .status,
        201);
  std::vector<Sub> subs(6);
  for (std::size_t i = 0; i < subs.size(); ++i) {
    auto& sub = subs[i];
    json::array objects;
    std::string any;
    for (std::size_t n = i % 3 == 2 ? 2 : 1; n > 0; --n) {
      Alt alt;
      json::object filters;
      std::string where = "true";
      if (rng() % 3) {
        json::array list;
        for (const char* st : kStatuses)
          if (rng() % 2) {
            alt.statuses.insert(st);
            list.push_back(json::value(st));
          }
        if (list.empty()) {
          alt.statuses.insert("published");
          list.push_back("published");
        }
        filters["status"] = list;
        std::string in;
        for (const auto& st : alt.statuses) in += (in.empty() ? "'" : ", '") + st + "'";
        where += " AND status IN (" + in + ")";
      }
      alt.parent = static_cast<int>(rng() % 4) - 1;
      if (alt.parent == 0) {
        filters["parentId"] = nullptr;
        where += " AND parent_id IS NULL";
      } else if (alt.parent > 0) {
        filters["parentId"] = parents[alt.parent];
        where += " AND parent_id = '" + parents[alt.parent] + "'";
      }
      objects.push_back(json::object{{"page", filters}});
      any += (any.empty() ? "(" : " OR (") + where + ")";
      sub.alts.push_back(alt);
    }
    sub.where = " AND (" + any + ")";
    sub.shape = json::serialize(objects.size() == 1 ? objects[0] : json::value(objects));
  }
  auto in_shape = [&](const Sub& sub, const json::object& d) {
    auto st = std::string(d.at("status").as_string());
    const auto& p = d.at("parentId");
    for (const auto& alt : sub.alts) {
      if (!alt.statuses.empty() && !alt.statuses.count(st)) continue;
      if (alt.parent == 0 && !p.is_null()) continue;
      if (alt.parent > 0 && !(p.is_string() && p.as_string() == parents[alt.parent])) continue;
      return true;
    }
    return false;
  };
  auto open = [&](Sub& sub) {
    sub.stream = std::make_unique<SseClient>(http_.port(),
                                             base_ + "/live?live=sse&offset=" + sub.last_id +
                                                 "&shape=" + client::query_encode(sub.shape),
                                             admin_.token);
    ASSERT_EQ(sub.stream->status(), 200) << sub.shape;
  };
  // Reads what has arrived (until `upto` is seen, or a quiet 200 ms when upto is empty).
  auto drain = [&](Sub& sub, const std::string& upto) {
    for (;;) {
      if (!upto.empty() && sub.last_id != "-1" && std::stoll(sub.last_id) >= std::stoll(upto))
        return true;
      auto e = sub.stream->next(upto.empty() ? std::chrono::milliseconds(200)
                                             : std::chrono::seconds(20));
      if (!e) return upto.empty();
      if (e->event == "offset" || e->event == "change") sub.last_id = e->id;
      if (e->event != "change") continue;
      auto msg = json::parse(e->data).as_object();
      const std::string id(msg["entityId"].as_string());
      if (msg["data"].is_object()) {
        if (!in_shape(sub, msg["data"].as_object())) ++sub.outside;
        sub.cache[id] = std::string(msg["data"].as_object().at("status").as_string());
      } else {
        sub.cache.erase(id);  // leave or delete
      }
    }
  };
  for (auto& sub : subs) open(sub);
  std::vector<std::string> live;
  for (int op = 0; op < 150; ++op) {
    const auto r = rng() % 10;
    if (live.empty() || r < 3) {
      const std::string id = "s" + std::to_string(op);
      json::object d{{"id", id}, {"name", id}, {"status", kStatuses[rng() % 3]}};
      if (auto p = rng() % 3) d["parentId"] = parents[p];
      ASSERT_EQ(
          http_.send("POST", base_ + "/pages", create_body(d, next_tx_id()), admin_.token).status,
          201);
      live.push_back(id);
    } else {
      const auto at = rng() % live.size();
      const std::string id = live[at];
      if (r == 9) {
        ASSERT_EQ(http_
                      .send("DELETE", base_ + "/pages/" + id,
                            delete_body(next_tx_id(), std::nullopt), admin_.token)
                      .status,
                  200);
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
      } else {
        const bool status = r < 7;
        const std::string field = status ? "status" : "parentId";
        // The update expects the field's current transaction (or the row's, before any).
        auto cur = http_.get(base_ + "/pages/" + id, admin_.token).json().as_object();
        std::optional<std::string> expected;
        if (auto* ftx = cur["fieldTx"].as_object().if_contains(field); ftx && ftx->is_string())
          expected = std::string(ftx->as_string());
        else if (cur["tx"].is_object())
          expected = std::string(cur["tx"].as_object().at("transactionId").as_string());
        json::value v =
            status ? json::value(kStatuses[rng() % 3])
                   : (rng() % 3 ? json::value(parents[1 + rng() % 2]) : json::value(nullptr));
        ASSERT_EQ(http_
                      .send("PATCH", base_ + "/pages/" + id,
                            update_body(field, v, next_tx_id(), expected), admin_.token)
                      .status,
                  200);
      }
    }
    if (op % 10 == 9) {
      auto& sub = subs[rng() % subs.size()];
      drain(sub, "");
      open(sub);  // reconnect from the last id seen
    }
  }
  ASSERT_TRUE(wait_until(
      [&] {
        return std::stoll(sql_value("SELECT count(*) FROM activities WHERE organization_id = '" +
                                    org_ + "'")) >= 150;
      },
      30s));
  const auto head =
      sql_value("SELECT max(id) FROM activities WHERE organization_id = '" + org_ + "'");
  for (auto& sub : subs) {
    ASSERT_TRUE(drain(sub, head)) << sub.shape << " stopped at " << sub.last_id;
    std::set<std::string> cached;
    for (const auto& [id, st] : sub.cache) cached.insert(id);
    EXPECT_EQ(cached, oracle(sub.where)) << sub.shape;
    EXPECT_EQ(sub.outside, 0) << sub.shape;
  }
}

}  // namespace syncline::test
