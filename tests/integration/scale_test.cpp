// Real data at real size (DESIGN §18, DATA-SCALE-*): an organization of 100,000 pages inserted
// by the app with one statement. List pages are read from an index (a page reads about a
// page of rows, whatever the org holds) and following the cursors lists every row once. A
// snapshot holds every readable row once with the offset of the same read, so the stream from
// that offset completes it exactly, also while others write. The native client and the CLI
// hydrate the org from it (a cut snapshot starts over) and the CLI lists every row.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "support/cdc_fixture.h"
#include "support/mutations.h"
#include "support/snapshot.h"
#include "support/tcp_proxy.h"
#include "syncline/client.h"

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

class Scale : public WithCdcWorkerAndDir {
 protected:
  // One big org for the suite: the app's own bulk insert, straight into the table.
  static void SetUpTestSuite() {
    WithCdcWorkerAndDir::SetUpTestSuite();
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
    // The worker logs the bulk insert (one refetch marker, DESIGN §18) before the tests read
    // offsets.
    ASSERT_TRUE(wait_until(
        [] {
          return sql_value("SELECT count(*) FROM activities WHERE organization_id = '" + big_ +
                           "' AND action = 'refetch'") == "1";
        },
        180s));
  }
  std::string table_count() {
    return sql_value("SELECT count(*) FROM pages WHERE organization_id = '" + big_ + "'");
  }
  std::unique_ptr<client::Client> native(unsigned short port,
                                         std::vector<client::HydrationProgress>* progress) {
    client::ClientOptions o;
    o.port = port;
    o.token = owner_.token;
    o.org_id = big_;
    o.data_dir = dir_ + "/native";
    o.on_progress = [progress](const client::HydrationProgress& p) { progress->push_back(p); };
    return std::make_unique<client::Client>(o);
  }
  // The org's head: the offset a stream opened `now` starts from.
  std::int64_t head() {
    auto r = http_.get("/organizations/" + big_ + "/live?offset=now", owner_.token);
    return std::stoll(r.headers["stream-next-offset"]);
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

TEST_F(Scale, ASnapshotHoldsEveryRowOnceAndTheOffsetOfItsReadDATASCALE002) {
  const auto at = head();
  auto snap = read_snapshot(http_, big_, owner_.token);
  ASSERT_EQ(snap.status, 200) << snap.response.body.substr(0, 300);
  EXPECT_EQ(snap.content_type, "application/x-ndjson");
  EXPECT_EQ(snap.response.headers["x-accel-buffering"], "no");
  ASSERT_TRUE(snap.last) << "no last line";
  EXPECT_EQ(snap.last->at("offset").as_int64(), at);
  EXPECT_EQ(snap.last->at("rows").as_int64(), kRows);
  // The idempotency ledger was never pruned here: it reaches back to the beginning.
  EXPECT_EQ(snap.last->at("ledgerFrom").as_int64(), 0);
  std::set<std::string> ids;
  for (const auto& e : snap.entities) {
    EXPECT_EQ(e.at("entityType").as_string(), "page");
    ASSERT_TRUE(e.at("fieldTx").is_object());
    ASSERT_TRUE(e.contains("tx"));
    ids.insert(std::string(e.at("data").at("id").as_string()));
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kRows));
  EXPECT_EQ(snap.entities.size(), static_cast<std::size_t>(kRows)) << "a row came twice";
  // A line is the entity as GET answers it.
  auto one = http_.get("/organizations/" + big_ + "/pages/p000042", owner_.token).json();
  auto line = std::find_if(snap.entities.begin(), snap.entities.end(), [](const auto& e) {
    return e.at("data").at("id").as_string() == "p000042";
  });
  ASSERT_NE(line, snap.entities.end());
  EXPECT_EQ(line->at("data"), one.at("data"));
  EXPECT_EQ(line->at("fieldTx"), one.at("fieldTx"));
}

TEST_F(Scale, ASnapshotUnderWritersThenTheStreamFromItsOffsetIsTheTableDATASCALE002) {
  // Two writers update, create and delete while the snapshot is read.
  std::atomic<bool> stop{false}, snapshot_done{false};
  std::mutex mu;
  std::set<std::string> written;  // txIds of accepted writes
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w)
    writers.emplace_back([&, w] {
      Http http = api();
      for (int i = 0; !stop && (i < 60 || !snapshot_done); ++i) {
        const auto tx = next_tx_id();
        char id[16];
        std::snprintf(id, sizeof id, "p%06d", 5000 + w * 40'000 + i * 7);
        const std::string path = "/organizations/" + big_ + "/pages";
        HttpResponse r;
        if (i % 10 == 3)
          r = http.send("DELETE", path + "/" + id, delete_body(tx, std::nullopt), owner_.token);
        else if (i % 10 == 5)
          r = http.send("POST", path,
                        create_body({{"id", "new-" + std::to_string(w) + "-" + std::to_string(i)},
                                     {"name", "Created while reading"}},
                                    tx),
                        owner_.token);
        else
          r = http.send("PATCH", path + "/" + id,
                        update_body("name", json::value("Renamed " + tx), tx, std::nullopt),
                        owner_.token);
        if (r.status == 200 || r.status == 201) {
          std::lock_guard lock(mu);
          written.insert(tx);
        }
      }
    });
  auto snap = read_snapshot(http_, big_, owner_.token);
  snapshot_done = true;
  for (auto& t : writers) t.join();
  ASSERT_EQ(snap.status, 200);
  ASSERT_TRUE(snap.last);
  ASSERT_GE(written.size(), 100u);
  // The client's cache: the snapshot, then every event after its offset, in id order.
  std::map<std::string, std::string> cache;  // id -> name
  for (const auto& e : snap.entities)
    cache[std::string(e.at("data").at("id").as_string())] =
        std::string(e.at("data").at("name").as_string());
  EXPECT_EQ(cache.size(), snap.entities.size()) << "a row came twice";
  // Every accepted write is in the log by now (at the worker's pace), then the log's head.
  std::string in;
  for (const auto& tx : written) in += (in.empty() ? "'" : ",'") + tx + "'";
  ASSERT_TRUE(wait_until(
      [&] {
        return sql_value("SELECT count(*) FROM activities WHERE tx->>'transactionId' IN (" + in +
                         ")") == std::to_string(written.size());
      },
      60s));
  const auto until = head();
  auto cursor = snap.last->at("offset").as_int64();
  while (cursor < until) {
    auto r = http_.get("/organizations/" + big_ + "/live?offset=" + std::to_string(cursor),
                       owner_.token);
    ASSERT_EQ(r.status, 200) << r.body;
    auto page = r.json().as_object();
    for (const auto& a : page["activities"].as_array()) {
      const auto& m = a.as_object();
      const auto id = std::string(m.at("entityId").as_string());
      if (m.at("data").is_null())
        cache.erase(id);
      else
        cache[id] = std::string(m.at("data").at("name").as_string());
    }
    cursor = page["cursor"].as_int64();
  }
  std::map<std::string, std::string> table;
  for (const auto& row :
       sql_column("SELECT id || '=' || name FROM pages WHERE organization_id = '" + big_ + "'")) {
    auto eq = row.find('=');
    table[row.substr(0, eq)] = row.substr(eq + 1);
  }
  EXPECT_EQ(cache.size(), table.size());
  EXPECT_TRUE(cache == table)
      << "the snapshot and the stream from its offset differ from the table";
}

TEST_F(Scale, AShapedSnapshotHoldsTheShapeOnlySHAPE004) {
  auto snap = read_snapshot(http_, big_, owner_.token,
                            "?shape=%7B%22page%22%3A%7B%22parentId%22%3A%22folder%22%7D%7D");
  ASSERT_EQ(snap.status, 200);
  ASSERT_TRUE(snap.last);
  EXPECT_EQ(snap.entities.size(), static_cast<std::size_t>(kRows / 1000));
  for (const auto& e : snap.entities) EXPECT_EQ(e.at("data").at("parentId").as_string(), "folder");
  // A shape of another type holds nothing of the pages.
  auto other = read_snapshot(http_, big_, owner_.token, "?shape=%7B%22attachment%22%3A%7B%7D%7D");
  ASSERT_EQ(other.status, 200);
  EXPECT_TRUE(other.entities.empty());
  EXPECT_EQ(other.last->at("rows").as_int64(), 0);
}

TEST_F(Scale, ASnapshotIsRefusedToStrangersAndForABadShapeDATASCALE002) {
  auto stranger = sign_up(http_, "Stranger");
  EXPECT_EQ(read_snapshot(http_, big_, stranger.token).status, 403);
  EXPECT_EQ(read_snapshot(http_, big_, "").status, 401);
  EXPECT_EQ(read_snapshot(http_, "no-such-org", owner_.token).status, 404);
  auto bad = read_snapshot(http_, big_, owner_.token, "?shape=%7B%22nope%22%3A%7B%7D%7D");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.response.error_code(), "INVALID_SHAPE");
}

TEST_F(Scale, ANativeClientHydratesTheBigOrgFromASnapshotDATASCALE003) {
  std::vector<client::HydrationProgress> progress;
  auto c = native(http_.port(), &progress);
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(c->start(120s));
  std::printf("native hydrate of %s rows: %.2f s\n", table_count().c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  EXPECT_EQ(std::to_string(c->store().count(big_)), table_count());
  ASSERT_GT(progress.size(), 10u);  // a batch at a time
  EXPECT_TRUE(progress.back().done);
  EXPECT_EQ(std::to_string(progress.back().rows), table_count());
  for (std::size_t i = 1; i < progress.size(); ++i)
    EXPECT_GE(progress[i].rows, progress[i - 1].rows);
  // Live after it: a change made now reaches the cache.
  const auto tx = next_tx_id();
  ASSERT_EQ(
      http_
          .send("PATCH", "/organizations/" + big_ + "/pages/p000777",
                update_body("name", json::value("after hydration"), tx, std::nullopt), owner_.token)
          .status,
      200);
  EXPECT_TRUE(wait_until([&] {
    auto e = c->get("page", "p000777");
    return e && e->at("name") == "after hydration";
  }));
}

TEST_F(Scale, ANativeClientCutMidSnapshotStartsOverAndHoldsEveryRowOnceDATASCALE003) {
  TcpProxy proxy(http_.port());
  std::vector<client::HydrationProgress> progress;
  std::atomic<bool> want_cut{false}, cut{false};
  // The network drops in the middle of the snapshot (from another thread: the client's keeps
  // reading meanwhile).
  std::thread cutter([&] {
    while (!want_cut) std::this_thread::sleep_for(1ms);
    proxy.cut();
    proxy.restore();
    cut = true;
  });
  client::ClientOptions o;
  o.port = proxy.port();
  o.token = owner_.token;
  o.org_id = big_;
  o.data_dir = dir_ + "/cut";
  o.on_progress = [&](const client::HydrationProgress& p) {
    progress.push_back(p);
    if (p.rows >= 20'000) want_cut = true;
  };
  client::Client c(o);
  const bool started = c.start(120s);
  want_cut = true;
  cutter.join();
  ASSERT_TRUE(started);
  EXPECT_EQ(std::to_string(c.store().count(big_)), table_count());
  EXPECT_TRUE(progress.back().done);
  // It started over: the rows went back to the start once.
  EXPECT_TRUE(std::adjacent_find(progress.begin(), progress.end(), [](auto& a, auto& b) {
                return b.rows < a.rows;
              }) != progress.end());
}

TEST_F(Scale, TheCliSyncsTheBigOrgAndListsEveryRowDATASCALE003) {
  const std::string data_dir = dir_ + "/cli";
  std::filesystem::create_directories(data_dir);
  { std::ofstream(data_dir + "/token") << owner_.token << "\n"; }
  auto cli = [&](std::vector<std::string> args, std::string* out) {
    std::string line = std::string(SYNCLINE_CLI_BINARY) +
                       " --server http://127.0.0.1:" + std::to_string(http_.port()) +
                       " --data-dir " + data_dir;
    for (const auto& a : args) line += " '" + a + "'";
    return run_command({"/bin/sh", "-c", line + " 2>&1"}, out);
  };
  std::string out;
  ASSERT_EQ(cli({"sync", "--org", big_}, &out), 0) << out;
  EXPECT_NE(out.find("synced " + big_ + ": " + table_count() + " rows in "), std::string::npos)
      << out;
  std::printf("%s", out.c_str());
  // Once synced, a second run only catches up.
  ASSERT_EQ(cli({"sync", "--org", big_}, &out), 0) << out;
  ASSERT_EQ(cli({"list", "page", "--org", big_}, &out), 0);
  std::size_t lines = std::count(out.begin(), out.end(), '\n');
  EXPECT_EQ(std::to_string(lines), table_count());
  ASSERT_EQ(cli({"list", "page", "--org", big_, "--limit", "10"}, &out), 0);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 11);  // ten rows and the notice
  EXPECT_NE(out.find("more follow"), std::string::npos) << out;
}

}  // namespace
}  // namespace syncline::test
