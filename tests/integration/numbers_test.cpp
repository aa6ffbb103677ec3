// ADOPT-007: numbers leave the server as JavaScript prints them: no exponent in [1e-6, 1e21),
// whether Boost.JSON wrote the value (entity reads, lists) or Postgres did (snapshot lines).
#include <gtest/gtest.h>

#include <string>

#include "support/cdc_fixture.h"
#include "support/snapshot.h"

namespace syncline::test {
namespace {

class Numbers : public WithCdcWorker {};

TEST_F(Numbers, ReadsListsAndSnapshotsWriteNumbersWithoutExponentADOPT007) {
  auto owner = sign_up(api(), "Numbers owner");
  std::string org(create_org(api(), owner)["id"].as_string());
  sql_value(
      "INSERT INTO pages (id, organization_id, name, status, display_order, created_by)"
      " VALUES ('a', '" +
      org + "', 'A', 'published', 7000.25, '" + owner.id +
      "'),"
      " ('b', '" +
      org + "', 'B', 'published', 1e15, '" + owner.id +
      "'),"
      " ('c', '" +
      org + "', 'C', 'published', 0.0000015, '" + owner.id +
      "'),"
      " ('d', '" +
      org + "', 'D', 'published', 1.5e-7, '" + owner.id + "')");
  auto one = api().get("/organizations/" + org + "/pages/a", owner.token);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_NE(one.body.find("\"displayOrder\":7000.25"), std::string::npos) << one.body;
  auto list = api().get("/organizations/" + org + "/pages?limit=10", owner.token);
  ASSERT_EQ(list.status, 200) << list.body;
  auto snap = read_snapshot(api(), org, owner.token);
  ASSERT_EQ(snap.status, 200) << snap.response.body;
  for (const std::string* body : {&list.body, &snap.response.body}) {
    EXPECT_NE(body->find("\"displayOrder\":7000.25"), std::string::npos) << *body;
    EXPECT_NE(body->find("\"displayOrder\":1000000000000000"), std::string::npos) << *body;
    EXPECT_NE(body->find("\"displayOrder\":0.0000015"), std::string::npos) << *body;
    EXPECT_NE(body->find("\"displayOrder\":1.5e-7"), std::string::npos) << *body;  // below 1e-6
    EXPECT_EQ(body->find("E3"), std::string::npos) << *body;
    EXPECT_EQ(body->find("e+15"), std::string::npos) << *body;
  }
}

}  // namespace
}  // namespace syncline::test
