// Issue 27 item 3 (CDC-003): a replication message no worker can decode halts CDC on purpose.
// Two workers reach Postgres through a proxy that turns one row's text value into a binary one
// (a value kind pgoutput sends only when asked, which we never do). Every replay brings the
// same bytes, so each worker tries a few times and halts; the standby meets the same bytes and
// halts too. /health/sync says "halted" with the reason and /metrics' gauge is 1; what came
// before the bad message is in the log, nothing after it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/cluster.h"
#include "support/fixtures.h"
#include "support/mutations.h"
#include "support/tcp_proxy.h"

namespace syncline::test {
namespace {

using namespace std::chrono_literals;

unsigned short port_of(const std::string& url) {
  auto colon = url.rfind(':');
  return static_cast<unsigned short>(std::stoi(url.substr(colon + 1)));
}

std::string with_port(const std::string& url, unsigned short port) {
  auto colon = url.rfind(':'), slash = url.find('/', colon);
  return url.substr(0, colon + 1) + std::to_string(port) + url.substr(slash);
}

// A pgoutput text value: 't', its big-endian length, its bytes.
std::string text_value(const std::string& s, char kind) {
  std::string out(1, kind);
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((s.size() >> shift) & 0xff));
  return out + s;
}

TEST(CdcHalt, AMessageNoWorkerCanDecodeHaltsEveryWorkerWithItsReasonCDC003) {
  auto http = api();
  auto admin = sign_up(http, "Admin");
  const std::string org(create_org(http, admin)["id"].as_string());
  const std::string pages = "/organizations/" + org + "/pages";
  const std::string marker = "undecodable-" + unique("m");

  TcpProxy proxy(port_of(db_url()));
  proxy.rewrite_replies(text_value(marker, 't'), text_value(marker, 'b'));
  const auto url = with_port(db_url(), proxy.port());
  auto a = std::make_unique<Process>(url, std::vector<std::string>{"cdc"});
  ASSERT_TRUE(
      wait_until([] { return sql_value("SELECT count(*) FROM pg_replication_slots") == "1"; }, 30s))
      << a->log();
  auto b = std::make_unique<Process>(url, std::vector<std::string>{"cdc"});

  // The workers work through the proxy: a change before the bad one reaches the log.
  ASSERT_EQ(http.send("POST", pages,
                      create_body({{"id", "before"}, {"name", "fine"}}, next_tx_id()), admin.token)
                .status,
            201);
  ASSERT_TRUE(wait_until(
      [&] {
        return sql_value("SELECT count(*) FROM activities WHERE entity_id = 'before'") == "1";
      },
      30s));
  ASSERT_EQ(http.send("POST", pages, create_body({{"id", "bad"}, {"name", marker}}, next_tx_id()),
                      admin.token)
                .status,
            201);

  // Both halt (three tries each, with backoff) and exit non-zero.
  ASSERT_TRUE(wait_until([&] { return !a->running() && !b->running(); }, 90s))
      << "A:\n"
      << a->log() << "\nB:\n"
      << b->log();
  EXPECT_GE(proxy.rewritten(), 6);  // every try of both met the bad bytes
  EXPECT_EQ(sql_value("SELECT count(*) FROM cdc_workers WHERE state = 'halted'"
                      " AND halt_reason LIKE '%binary tuple values%'"),
            "2");
  EXPECT_EQ(sql_value("SELECT count(*) FROM activities WHERE entity_id = 'bad'"), "0");
  EXPECT_NE(a->log().find("halted"), std::string::npos);

  auto health = http.get("/health/sync");
  EXPECT_EQ(health.status, 503);
  auto body = boost::json::parse(health.body).as_object();
  EXPECT_EQ(body["status"], "halted");
  auto halted = body["cdc"].as_object()["halted"].as_object();
  EXPECT_NE(std::string(halted["reason"].as_string()).find("binary tuple values"),
            std::string::npos);
  EXPECT_FALSE(halted.contains("worker"));  // no host or pid without the ops token (SEC-050)
  auto metrics = http.get("/metrics");
  EXPECT_NE(metrics.body.find("\nsyncline_cdc_halted 1\n"), std::string::npos);
  // Nothing beat since: days later it is still halted, with its reason.
  sql_value("UPDATE cdc_workers SET heartbeat_at = heartbeat_at - interval '3 days'");
  auto later = boost::json::parse(http.get("/health/sync").body).as_object();
  EXPECT_EQ(later["status"], "halted");

  // An operator's way out: the slot goes (with it the bad message), a worker starts again.
  sql_value("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots");
  auto c = std::make_unique<Process>(db_url(), std::vector<std::string>{"cdc"});
  EXPECT_TRUE(wait_until(
      [&] {
        return boost::json::parse(http.get("/health/sync").body).as_object()["status"] == "ok";
      },
      30s))
      << c->log();
  EXPECT_NE(http.get("/metrics").body.find("\nsyncline_cdc_halted 0\n"), std::string::npos);
  c.reset();
  sql_value(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
}

}  // namespace
}  // namespace syncline::test
