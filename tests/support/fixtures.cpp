#include "support/fixtures.h"

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include <unistd.h>

namespace syncline::test {

namespace json = boost::json;

namespace {
ServerEnvironment* g_env = nullptr;
}

void ServerEnvironment::SetUp() {
  g_env = this;
  cluster_ = std::make_unique<Cluster>();
  server_ = std::make_unique<Server>(cluster_->url());
}

void ServerEnvironment::TearDown() {
  server_.reset();
  cluster_.reset();
}

ServerEnvironment& ServerEnvironment::get() {
  return *g_env;
}

std::string unique(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const std::string run = [] {
    std::random_device rd;
    return std::to_string(rd() % 1000000);
  }();
  return prefix + "-" + run + "-" + std::to_string(counter++);
}

std::string next_tx_id() {
  // HLC: wall ms, 4-digit counter within the ms, node id; monotonic within this process.
  static std::mutex mu;
  static std::int64_t last_ms = 0;
  static int counter = 0;
  static const std::string node = [] {
    const char* a = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device rd;
    std::string s = "t";
    for (int i = 0; i < 11; ++i) s += a[rd() % 36];
    return s;
  }();
  std::lock_guard lock(mu);
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  if (now > last_ms) {
    last_ms = now;
    counter = 0;
  } else if (++counter > 9999) {
    ++last_ms;
    counter = 0;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%013lld.%04d.%s", static_cast<long long>(last_ms), counter,
                node.c_str());
  return buf;
}

TestUser sign_up(const Http& http, const std::string& name) {
  auto email = unique("user") + "@example.test";
  auto r = http.send("POST", "/auth/sign-up",
                     {{"email", email}, {"password", "correct horse battery"}, {"name", name}});
  if (r.status != 201) throw std::runtime_error("sign-up failed: " + r.body);
  auto j = r.json().as_object();
  return {std::string(j["user"].as_object()["id"].as_string()), email,
          std::string(j["token"].as_string())};
}

json::object create_org(const Http& http, const TestUser& owner) {
  auto slug = unique("org");
  auto r =
      http.send("POST", "/organizations", {{"name", "Org " + slug}, {"slug", slug}}, owner.token);
  if (r.status != 201) throw std::runtime_error("create org failed: " + r.body);
  return r.json().as_object();
}

void add_member(const Http& http, const TestUser& admin, const std::string& org_id,
                const TestUser& user, const std::string& role) {
  auto r = http.send("POST", "/organizations/" + org_id + "/invitations",
                     {{"userId", user.id}, {"role", role}}, admin.token);
  if (r.status != 201) throw std::runtime_error("invite failed: " + r.body);
  auto id = std::string(r.json().as_object()["id"].as_string());
  auto accepted = http.send("POST", "/invitations/" + id + "/accept", json::object{}, user.token);
  if (accepted.status != 201) throw std::runtime_error("accept failed: " + accepted.body);
}

std::string db_url_as(const std::string& role) {
  auto url = db_url();
  auto at = url.find("syncline@");
  return url.replace(at, 9, role + "@");
}

std::vector<std::string> sql_column(const std::string& sql, const std::string& url) {
  PGconn* c = PQconnectdb((url.empty() ? db_url() : url).c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    PQfinish(c);
    throw std::runtime_error("test sql: cannot connect");
  }
  PGresult* r = PQexec(c, sql.c_str());
  auto st = PQresultStatus(r);
  std::vector<std::string> out;
  if (st == PGRES_TUPLES_OK)
    for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
  std::string err = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) throw std::runtime_error("test sql: " + err);
  return out;
}

std::string sql_value(const std::string& sql, const std::string& url) {
  auto rows = sql_column(sql, url);
  return rows.empty() ? std::string() : rows.front();
}

std::string table_checksum(const std::string& table, const std::string& url) {
  return sql_value(
      "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY"
      " t::text)), '') FROM " +
          table + " t",
      url);
}

ScratchDatabase::ScratchDatabase(const std::string& prefix)
    : name_(prefix + "_" + std::to_string(getpid())) {
  sql_value("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)", db_url_as("postgres"));
  sql_value("CREATE DATABASE " + name_ + " OWNER syncline", db_url_as("postgres"));
  url_ = db_url();
  url_.replace(url_.rfind('/') + 1, std::string::npos, name_);
}

ScratchDatabase::~ScratchDatabase() {
  try {
    sql_value(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
        " WHERE slot_name = '" +
            name_ + "'",
        db_url_as("postgres"));
    sql_value("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)", db_url_as("postgres"));
  } catch (const std::exception&) {
    // The cluster goes away with the test binary anyway.
  }
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace syncline::test
