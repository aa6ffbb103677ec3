#include "syncline/outbox.h"
#include "common/json_parse.h"
#include "common/json_text.h"

#include <sqlite3.h>

#include "sqlite.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>

namespace syncline::client {

namespace json = boost::json;

namespace {
using Row = std::vector<std::optional<std::string>>;

constexpr const char* kSelect =
    "SELECT id, org_id, entity_type, entity_id, field, kind, value, transaction_id, expected,"
    " state, offline, server_value, server_tx FROM outbox ";

json::value json_of(const std::optional<std::string>& text) {
  boost::system::error_code ec;
  auto v = parse_json(text.value_or("null"), ec);
  return ec ? json::value(nullptr) : v;
}

OutboxEntry entry_of(const Row& r) {
  return OutboxEntry{
      std::stoll(*r[0]), {*r[1], *r[2], *r[3]}, *r[4], *r[5], json_of(r[6]), *r[7], r[8], *r[9],
      r[10] == "1",      json_of(r[11]),        r[12]};
}

std::vector<OutboxEntry> select(sqlite3* db, const std::string& where, const Row& params) {
  std::vector<OutboxEntry> out;
  for (auto& r : run(db, (kSelect + where + " ORDER BY id").c_str(), params))
    out.push_back(entry_of(r));
  return out;
}

// The never-sent create of an entity, if one is queued: [id, value, transaction_id].
std::vector<Row> queued_create(sqlite3* db, const EntityKey& k) {
  return run(db,
             "SELECT id, value, transaction_id FROM outbox WHERE org_id = ?1 AND"
             " entity_type = ?2 AND entity_id = ?3 AND kind = 'create' AND state = 'queued'",
             {k.org_id, k.entity_type, k.entity_id});
}

// Runs `body` in one SQLite transaction (IMMEDIATE: other processes wait, never interleave).
template <class F>
void transaction(sqlite3* db, F body) {
  run(db, "BEGIN IMMEDIATE", {});
  try {
    body();
    run(db, "COMMIT", {});
  } catch (...) {
    run(db, "ROLLBACK", {});
    throw;
  }
}

// Durability per statement (WAL: synchronous is per connection and per transaction). What
// the user queued (an edit, a resolution's re-queue) is FULL: on disk when the call returns,
// through a power loss. How an entry goes (claimed, sent, done, conflicted) is NORMAL: lost
// at most to a power loss (never to a crash), which only means the entry is sent once more
// with its txId and answered once. The next FULL commit syncs everything before it.
class FullSync {
 public:
  explicit FullSync(sqlite3* db) : db_(db) { exec_setup(db_, "PRAGMA synchronous=FULL"); }
  ~FullSync() { sqlite3_exec(db_, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr); }
  FullSync(const FullSync&) = delete;
  FullSync& operator=(const FullSync&) = delete;

 private:
  sqlite3* db_;
};

std::optional<std::string> flag(bool b) {
  return b ? "1" : "0";
}
}  // namespace

Outbox::Outbox(const std::string& path) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK)
    throw std::runtime_error("outbox open " + path + ": " + sqlite3_errmsg(db_));
  sqlite3_busy_timeout(db_, 5000);
  exec_setup(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL");
  exec_setup(db_,
             "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " org_id TEXT NOT NULL, entity_type TEXT NOT NULL, entity_id TEXT NOT NULL,"
             " field TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL, value TEXT,"
             " transaction_id TEXT NOT NULL, expected TEXT, state TEXT NOT NULL DEFAULT 'queued',"
             " offline INTEGER NOT NULL DEFAULT 0, server_value TEXT, server_tx TEXT)");
  // The stream's confirmations find their entry by txId; squashes and creates by entity.
  exec_setup(db_,
             "CREATE INDEX IF NOT EXISTS outbox_tx_idx ON outbox(transaction_id);"
             " CREATE INDEX IF NOT EXISTS outbox_entity_idx ON outbox(org_id, entity_type,"
             " entity_id)");
}

Outbox::~Outbox() {
  StmtCache::forget(db_);
  sqlite3_close(db_);
}

std::vector<Absorbed> Outbox::create(const EntityKey& k, const json::object& data,
                                     const std::string& tx, bool offline) {
  std::lock_guard lock(mu_);
  FullSync durable(db_);
  run(db_,
      "INSERT INTO outbox(org_id, entity_type, entity_id, field, kind, value, transaction_id,"
      " offline) VALUES (?1, ?2, ?3, '', 'create', ?4, ?5, ?6)",
      {k.org_id, k.entity_type, k.entity_id, json_text(data), tx, flag(offline)});
  return {};
}

std::vector<Absorbed> Outbox::update(const EntityKey& k, const std::string& field,
                                     const json::value& value, const std::string& tx,
                                     const std::optional<std::string>& expected, bool offline) {
  std::lock_guard lock(mu_);
  FullSync durable(db_);
  std::vector<Absorbed> absorbed;
  transaction(db_, [&] {
    // A queued create of the entity absorbs the edit.
    auto create = queued_create(db_, k);
    if (!create.empty()) {
      auto data = parse_json(create[0][1].value_or("{}")).as_object();
      data[field] = value;
      run(db_, "UPDATE outbox SET value = ?1 WHERE id = ?2", {json_text(data), create[0][0]});
      absorbed.push_back({tx, *create[0][2]});
      return;
    }
    auto same = run(db_,
                    "SELECT id, state, transaction_id FROM outbox WHERE org_id = ?1 AND"
                    " entity_type = ?2 AND entity_id = ?3 AND field = ?4 AND kind = 'update'"
                    " ORDER BY id DESC LIMIT 1",
                    {k.org_id, k.entity_type, k.entity_id, field});
    // Squash: newest value and txId win. A conflicted entry stays conflicted: the user is
    // still editing the value the resolution will be about.
    if (!same.empty() && (same[0][1] == "queued" || same[0][1] == "conflicted")) {
      run(db_, "UPDATE outbox SET value = ?1, transaction_id = ?2 WHERE id = ?3",
          {json_text(value), tx, same[0][0]});
      absorbed.push_back({*same[0][2], tx});
      return;
    }
    // Behind an entry already sent, the edit expects that entry's transaction: the same
    // field's update, else a create of the entity (it wrote every field).
    auto expect = expected;
    if (!same.empty() && same[0][1] == "sent") {
      expect = same[0][2];
    } else if (same.empty()) {
      auto sent_create = run(db_,
                             "SELECT transaction_id FROM outbox WHERE org_id = ?1 AND"
                             " entity_type = ?2 AND entity_id = ?3 AND kind = 'create' AND"
                             " state = 'sent' ORDER BY id DESC LIMIT 1",
                             {k.org_id, k.entity_type, k.entity_id});
      if (!sent_create.empty()) expect = sent_create[0][0];
    }
    run(db_,
        "INSERT INTO outbox(org_id, entity_type, entity_id, field, kind, value, transaction_id,"
        " expected, offline) VALUES (?1, ?2, ?3, ?4, 'update', ?5, ?6, ?7, ?8)",
        {k.org_id, k.entity_type, k.entity_id, field, json_text(value), tx, expect, flag(offline)});
  });
  return absorbed;
}

std::vector<Absorbed> Outbox::remove(const EntityKey& k, const std::string& tx,
                                     const std::optional<std::string>& expected, bool offline) {
  std::lock_guard lock(mu_);
  FullSync durable(db_);
  std::vector<Absorbed> absorbed;
  transaction(db_, [&] {
    const Row key{k.org_id, k.entity_type, k.entity_id};
    auto create = queued_create(db_, k);
    // Queued edits of an entity that is going away are moot either way.
    for (auto& r : run(db_,
                       "DELETE FROM outbox WHERE org_id = ?1 AND entity_type = ?2 AND"
                       " entity_id = ?3 AND state IN ('queued', 'conflicted') AND"
                       " kind IN ('create', 'update') RETURNING transaction_id",
                       key))
      absorbed.push_back({*r[0], create.empty() ? tx : ""});
    if (!create.empty()) {  // never created on the server: nothing to send
      absorbed.push_back({tx, ""});
      return;
    }
    run(db_,
        "INSERT INTO outbox(org_id, entity_type, entity_id, field, kind, transaction_id, expected,"
        " offline) VALUES (?1, ?2, ?3, '', 'delete', ?4, ?5, ?6)",
        {k.org_id, k.entity_type, k.entity_id, tx, expected, flag(offline)});
  });
  return absorbed;
}

std::vector<OutboxEntry> Outbox::entries(const std::string& org_id) const {
  std::lock_guard lock(mu_);
  return select(db_, "WHERE ?1 = '' OR org_id = ?1", {org_id});
}

std::vector<OutboxEntry> Outbox::queued() const {
  std::lock_guard lock(mu_);
  return select(db_, "WHERE state = 'queued'", {});
}

std::vector<OutboxEntry> Outbox::of_entity(const EntityKey& k) const {
  std::lock_guard lock(mu_);
  return select(db_, "WHERE org_id = ?1 AND entity_type = ?2 AND entity_id = ?3",
                {k.org_id, k.entity_type, k.entity_id});
}

std::optional<OutboxEntry> Outbox::find(std::int64_t id) const {
  std::lock_guard lock(mu_);
  auto rows = select(db_, "WHERE id = ?1", {std::to_string(id)});
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<OutboxEntry> Outbox::claim(std::int64_t id) {
  std::lock_guard lock(mu_);
  std::optional<OutboxEntry> out;
  transaction(db_, [&] {
    auto rows = select(db_, "WHERE id = ?1 AND state IN ('queued', 'sent')", {std::to_string(id)});
    if (rows.empty()) return;
    out = rows.front();
    run(db_, "UPDATE outbox SET state = 'sent' WHERE id = ?1", {std::to_string(id)});
  });
  return out;
}

void Outbox::mark(std::int64_t id, const std::string& state) {
  std::lock_guard lock(mu_);
  run(db_, "UPDATE outbox SET state = ?1 WHERE id = ?2", {state, std::to_string(id)});
}

void Outbox::conflict(std::int64_t id, const json::value& server_value,
                      const std::optional<std::string>& server_tx) {
  std::lock_guard lock(mu_);
  run(db_,
      "UPDATE outbox SET state = 'conflicted', server_value = ?1, server_tx = ?2 WHERE id = ?3",
      {json_text(server_value), server_tx, std::to_string(id)});
}

void Outbox::rebase(std::int64_t id, const json::value& value, const std::string& tx,
                    const std::optional<std::string>& expected) {
  std::lock_guard lock(mu_);
  FullSync durable(db_);
  run(db_,
      "UPDATE outbox SET state = 'queued', value = ?1, transaction_id = ?2, expected = ?3,"
      " server_value = NULL, server_tx = NULL WHERE id = ?4",
      {json_text(value), tx, expected, std::to_string(id)});
}

void Outbox::expect_again(const EntityKey& k, const std::string& field, const std::string& from,
                          const std::optional<std::string>& to) {
  std::lock_guard lock(mu_);
  FullSync durable(db_);
  run(db_,
      "UPDATE outbox SET expected = ?6 WHERE org_id = ?1 AND entity_type = ?2 AND entity_id = ?3"
      " AND field = ?4 AND kind = 'update' AND state = 'queued' AND expected = ?5",
      {k.org_id, k.entity_type, k.entity_id, field, from, to});
}

void Outbox::done(std::int64_t id) {
  std::lock_guard lock(mu_);
  run(db_, "DELETE FROM outbox WHERE id = ?1", {std::to_string(id)});
}

bool Outbox::done_by_tx(const std::string& tx) {
  std::lock_guard lock(mu_);
  return !run(db_, "DELETE FROM outbox WHERE transaction_id = ?1 RETURNING id", {tx}).empty();
}

}  // namespace syncline::client
