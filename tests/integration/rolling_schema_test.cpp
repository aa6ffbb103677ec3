// Rolling schema change (DESIGN §13, SCHEMA-040..042): two API nodes and a CDC worker serve the
// tracker schema while a writer and a reading stream run; a field is added to the file and
// applied, then the worker, one node and the other node are restarted one at a time. The
// stream (reconnecting with Last-Event-ID to whichever node is up) has no gap and no
// duplicate, writes never fail for good (retried on the other node with the same txId), the
// new field appears on the stream and on both nodes, and a field removed from the file again is
// no longer served (while its column stays).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "support/fixtures.h"
#include "support/mutations.h"
#include "support/sse_client.h"

namespace syncline::test {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
const std::string kTracker = SYNCLINE_SOURCE_DIR "/tests/data/tracker.yaml";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The tracker schema with one more task field (after `title:`), or as it is.
void write_schema(const std::string& path, bool with_priority) {
  std::string text = read_file(kTracker);
  if (with_priority) {
    const std::string anchor = "      title:     {kind: text, max: 500, required: true}\n";
    auto at = text.find(anchor);
    ASSERT_NE(at, std::string::npos);
    text.insert(at + anchor.size(),
                "      priority:  {kind: integer, min: 0, max: 9, default: 0}\n");
  }
  std::ofstream(path + ".tmp") << text;
  std::filesystem::rename(path + ".tmp", path);
}

int syncline(const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> argv{SYNCLINE_BINARY, "--database-url", db_url()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, out);
}
}  // namespace

class RollingSchema : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("syncline-rolling");
    file_ = dir_ + "/schema.yaml";
    write_schema(file_, false);
    std::string out;
    ASSERT_EQ(syncline({"schema", "apply", "--schema", file_}, &out), 0) << out;
  }
  void TearDown() override {
    worker_.reset();
    for (auto& n : nodes_) n.reset();
    sql_value("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots");
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<Process> start_worker() {
    return std::make_unique<Process>(db_url(), std::vector<std::string>{"cdc", "--schema", file_});
  }
  std::unique_ptr<Server> start_node() {
    return std::make_unique<Server>(db_url(), "serve", std::vector<std::string>{"--schema", file_});
  }
  // The port of a node that is up (the test holds `mu_` while it swaps nodes).
  std::vector<unsigned short> ports() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<unsigned short> out;
    for (auto& n : nodes_)
      if (n) out.push_back(n->port());
    return out;
  }
  void restart_node(int i) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      nodes_[i].reset();  // SIGTERM: its streams end, clients go to the other node
    }
    auto fresh = start_node();
    std::lock_guard<std::mutex> lock(mu_);
    nodes_[i] = std::move(fresh);
  }

  std::string dir_, file_;
  std::mutex mu_;
  std::unique_ptr<Server> nodes_[2];
  std::unique_ptr<Process> worker_;
};

TEST_F(RollingSchema, AFieldAddedAndRolledOutNodeByNodeWhileAStreamRunsSCHEMA040) {
  worker_ = start_worker();
  nodes_[0] = start_node();
  nodes_[1] = start_node();
  ASSERT_TRUE(
      wait_until([] { return sql_value("SELECT count(*) FROM pg_replication_slots") == "1"; }, 30s))
      << worker_->log();
  Http a(nodes_[0]->port());
  auto admin = sign_up(a, "Rolling admin");
  const std::string org(create_org(a, admin)["id"].as_string());
  const std::string base = "/organizations/" + org;
  ASSERT_EQ(a.send("POST", base + "/projects",
                   create_body({{"id", "p1"}, {"name", "Roll"}}, next_tx_id()), admin.token)
                .status,
            201);

  // The reader: one stream at a time, to whichever node is up, resuming by Last-Event-ID.
  std::atomic<bool> stop{false}, stop_reader{false};
  std::mutex seen_mu;
  std::vector<std::int64_t> seen_ids;
  std::vector<json::object> seen;
  std::atomic<int> streams_opened{0};
  std::atomic<bool> subscribed{false};  // the first stream is past its barrier
  std::thread reader([&] {
    std::string last = "now";
    while (!stop_reader) {
      auto up = ports();
      for (auto port : up) {
        if (stop_reader) break;
        std::map<std::string, std::string> headers;
        if (last != "now") headers["Last-Event-ID"] = last;
        try {  // a node going down mid-connect or mid-read: try the next one
          SseClient s(port, base + "/live?live=sse&offset=now", admin.token, headers);
          if (s.status() != 200) continue;
          ++streams_opened;
          while (!stop_reader) {
            auto e = s.next(500ms);
            if (!e) {
              if (s.closed()) break;
              continue;
            }
            if (!e->id.empty()) last = e->id;
            if (e->event == "offset") subscribed = true;
            if (e->event != "change") continue;
            auto m = json::parse(e->data).as_object();
            if (m["entityType"] != "task") continue;
            std::lock_guard<std::mutex> lock(seen_mu);
            seen_ids.push_back(std::stoll(e->id));
            seen.push_back(std::move(m));
          }
        } catch (const std::exception&) {
        }
      }
      std::this_thread::sleep_for(50ms);
    }
  });

  // Writes start once the reader is live, so every one of them is after its first position.
  if (!wait_until([&] { return subscribed.load(); }, 20s)) {
    stop_reader = true;
    reader.join();
    FAIL() << "the stream never opened";
  }
  // The writer: a task every 50 ms, on either node; a failed try goes to the other node with
  // the same txId (the write path makes a replay idempotent).
  std::atomic<int> written{0}, retried{0};
  std::atomic<bool> with_priority{false};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      auto tx = next_tx_id();
      json::object data{{"id", "t" + std::to_string(i)},
                        {"title", "Task " + std::to_string(i)},
                        {"project", "p1"}};
      if (with_priority) data["priority"] = 5;
      bool done = false;
      for (int attempt = 0; !done && attempt < 200 && !stop; ++attempt) {
        auto up = ports();
        if (up.empty()) {
          std::this_thread::sleep_for(50ms);
          continue;
        }
        try {
          auto r = Http(up[static_cast<std::size_t>(i + attempt) % up.size()])
                       .send("POST", base + "/tasks", create_body(data, tx), admin.token);
          done = r.status == 201 || r.status == 200;
        } catch (const std::exception&) {  // the node went down under the request
        }
        if (!done) {
          ++retried;
          std::this_thread::sleep_for(50ms);
        }
      }
      if (done) ++written;
      std::this_thread::sleep_for(50ms);
    }
  });

  struct Joiner {  // a failed assertion below must not leave the threads running
    std::atomic<bool>& a;
    std::atomic<bool>& b;
    std::thread& r;
    std::thread& w;
    ~Joiner() {
      a = b = true;
      if (w.joinable()) w.join();
      if (r.joinable()) r.join();
    }
  } joiner{stop, stop_reader, reader, writer};

  std::this_thread::sleep_for(1s);
  // Add the field, apply it, roll it out: the worker, node 1, then node 0.
  write_schema(file_, true);
  std::string out;
  ASSERT_EQ(syncline({"schema", "apply", "--schema", file_}, &out), 0) << out;
  {
    auto next = start_worker();  // a standby until the old one goes
    worker_.reset();
    worker_ = std::move(next);
  }
  std::this_thread::sleep_for(1s);
  restart_node(1);
  with_priority = true;  // served by node 1; node 0 (old file) still takes writes without it
  std::this_thread::sleep_for(1s);
  restart_node(0);
  std::this_thread::sleep_for(2s);
  stop = true;
  writer.join();

  // Everything written is in the log; the reader sees all of it, in order, once each.
  auto logged = sql_value("SELECT count(*) FROM activities WHERE organization_id = '" + org +
                          "' AND entity_type = 'task'");
  ASSERT_EQ(logged, std::to_string(written.load()));
  wait_until(
      [&] {
        std::lock_guard<std::mutex> lock(seen_mu);
        return seen_ids.size() >= static_cast<std::size_t>(written.load());
      },
      20s);
  stop_reader = true;
  reader.join();
  auto log_ids = sql_value(
      "SELECT string_agg(id::text, ',' ORDER BY id) FROM activities WHERE organization_id = '" +
      org + "' AND entity_type = 'task'");
  std::string reader_ids;
  for (auto id : seen_ids) reader_ids += (reader_ids.empty() ? "" : ",") + std::to_string(id);
  EXPECT_EQ(reader_ids, log_ids) << "the stream has a gap or a duplicate";
  std::cout << "rolling: " << written << " writes (" << retried << " tries retried on the other "
            << "node), " << seen_ids.size() << " changes read over " << streams_opened
            << " streams\n";
  EXPECT_GE(streams_opened.load(), 2) << "the stream never moved to another node";
  EXPECT_GT(written.load(), 30);

  // The new field: on the stream, on both nodes, in GET /schema.
  bool streamed_priority = false;
  for (const auto& m : seen)
    if (auto* d = m.if_contains("data"); d && d->is_object())
      if (auto* p = d->as_object().if_contains("priority");
          p && p->is_int64() && p->as_int64() == 5)
        streamed_priority = true;
  EXPECT_TRUE(streamed_priority) << "no change carried the new field";
  const std::string last_task = "t" + std::to_string(written.load() - 1);
  for (auto port : ports()) {
    Http n(port);
    auto schema = n.get("/schema").json();
    EXPECT_TRUE(schema.at("types").at("task").at("fields").as_object().contains("priority"));
    auto t = n.get(base + "/tasks/" + last_task, admin.token);
    ASSERT_EQ(t.status, 200) << t.body;
    EXPECT_EQ(t.json().at("data").at("priority").as_int64(), 5) << t.body;
  }
  EXPECT_EQ(Http(ports()[0]).get(base + "/tasks/t0", admin.token).json().at("data").at("priority"),
            json::value(0))
      << "rows written before the field got its default";

  // Removed from the file again (the column stays): no longer served.
  write_schema(file_, false);
  restart_node(0);
  Http fresh(nodes_[0]->port());
  auto t = fresh.get(base + "/tasks/" + last_task, admin.token);
  ASSERT_EQ(t.status, 200);
  EXPECT_FALSE(t.json().at("data").as_object().contains("priority")) << t.body;
  auto patch =
      fresh.send("PATCH", base + "/tasks/" + last_task,
                 update_body("priority", json::value(1), next_tx_id(), std::nullopt), admin.token);
  EXPECT_EQ(patch.status, 400) << patch.body;
  EXPECT_EQ(sql_value("SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                      "'tracker' AND table_name = 'tasks' AND column_name = 'priority'"),
            "1");
}

}  // namespace syncline::test
