// Real data at real size (DESIGN §18, DATA-SCALE-*): an organization of 100,000 pages inserted
// by the app with one statement. List pages are read from an index (a page reads about a
// page of rows, whatever the org holds) and following the cursors lists every row once.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <set>
#include <thread>

#include "support/cdc_fixture.h"

namespace syncline::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int kRows = 100'000;

// Rows the server's backends read from `pages` so far (heap fetches by index + sequential).
long long pages_rows_read() {
  return std::stoll(sql_value(
      "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables"
      " WHERE relname = 'pages'"));
}

class Scale : public WithCdcWorker {
 protected:
  // One big org for the suite: the app's own bulk insert, straight into the table.
  static void SetUpTestSuite() {
    WithCdcWorker::SetUpTestSuite();
    owner_ = sign_up(api(), "Big org owner");
    big_ = std::string(create_org(api(), owner_)["id"].as_string());
    sql_value(
        "INSERT INTO pages (id, organization_id, name, description, status, parent_id,"
        " display_order, created_by) SELECT 'p' || lpad(g::text, 6, '0'), '" +
        big_ +
        "', 'Page ' || g, repeat('words ', 20), 'published',"
        " CASE WHEN g % 1000 = 0 THEN 'folder' END, g, '" +
        owner_.id + "' FROM generate_series(1, " + std::to_string(kRows) + ") g");
    sql_value("ANALYZE pages");
  }
  static inline TestUser owner_;
  static inline std::string big_;
};

TEST_F(Scale, APageOfABigOrgReadsAboutAPageOfRowsDATASCALE001) {
  const std::string base = "/organizations/" + big_ + "/pages?limit=100";
  // The server's backends report their counters when idle, at most once a second.
  auto settled = [] {
    auto before = pages_rows_read();
    std::this_thread::sleep_for(1500ms);
    return pages_rows_read() == before;
  };
  ASSERT_TRUE(wait_until(settled, 30s));
  const auto before = pages_rows_read();
  auto first = http_.get(base, owner_.token);
  ASSERT_EQ(first.status, 200) << first.body;
  auto cursor = std::string(first.json().as_object()["nextCursor"].as_string());
  auto middle = http_.get(base + "&cursor=" + cursor, owner_.token);
  ASSERT_EQ(middle.status, 200);
  // A shape on an indexed field (a ref): its (org, field, key) index serves the page.
  auto shaped = http_.get(base + "&shape=%7B%22page%22%3A%7B%22parentId%22%3A%22folder%22%7D%7D",
                          owner_.token);
  ASSERT_EQ(shaped.status, 200) << shaped.body;
  EXPECT_EQ(shaped.json().as_object()["items"].as_array().size(), 100u);
  // Three pages read a few hundred rows, not the org's 100,000 each (a scan and a sort).
  long long read = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        read = pages_rows_read() - before;
        return read >= 300;
      },
      30s));
  EXPECT_LT(read, 2'000) << "rows read for three list pages of a " << kRows << "-row org";
}

TEST_F(Scale, FollowingTheCursorsListsEveryRowOnceInKeyOrderDATASCALE001) {
  std::set<std::string> seen;
  std::string last, cursor;
  int pages = 0;
  for (;;) {
    auto r = http_.get(
        "/organizations/" + big_ + "/pages?limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor),
        owner_.token);
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = r.json().as_object();
    for (const auto& item : body["items"].as_array()) {
      auto id = std::string(item.at("data").at("id").as_string());
      EXPECT_GT(id, last);
      last = id;
      seen.insert(id);
    }
    ++pages;
    if (!body["nextCursor"].is_string()) break;
    cursor = std::string(body["nextCursor"].as_string());
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kRows));
  EXPECT_EQ(pages, kRows / 100);  // a page holds at most 100 items, whatever `limit` asks
}

}  // namespace
}  // namespace syncline::test
