#include "syncline/outbox.h"

#include <sqlite3.h>

#include "sqlite.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>

namespace syncline::client {

namespace json = boost::json;

namespace {
constexpr const char* kColumns =
    "id, org_id, entity_type, entity_id, field, kind, value, transaction_id, expected, state";

OutboxEntry entry_of(const std::vector<std::optional<std::string>>& r) {
  boost::system::error_code ec;
  auto v = json::parse(r[6].value_or("null"), ec);
  return OutboxEntry{std::stoll(*r[0]),
                     {*r[1], *r[2], *r[3]},
                     *r[4],
                     *r[5],
                     ec ? json::value(nullptr) : v,
                     *r[7],
                     r[8],
                     *r[9]};
}

// The never-sent create of an entity, if one is queued: [id, value].
std::vector<std::vector<std::optional<std::string>>> queued_create(sqlite3* db,
                                                                   const EntityKey& k) {
  return run(db,
             "SELECT id, value FROM outbox WHERE org_id = ?1 AND entity_type = ?2 AND"
             " entity_id = ?3 AND kind = 'create' AND state = 'queued'",
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
}  // namespace

Outbox::Outbox(const std::string& path) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK)
    throw std::runtime_error("outbox open " + path + ": " + sqlite3_errmsg(db_));
  sqlite3_busy_timeout(db_, 5000);
  run(db_, "PRAGMA journal_mode=WAL", {});
  run(db_,
      "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " org_id TEXT NOT NULL, entity_type TEXT NOT NULL, entity_id TEXT NOT NULL,"
      " field TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL, value TEXT,"
      " transaction_id TEXT NOT NULL, expected TEXT, state TEXT NOT NULL DEFAULT 'queued')",
      {});
}

Outbox::~Outbox() {
  sqlite3_close(db_);
}

void Outbox::create(const EntityKey& k, const json::object& data, const std::string& tx) {
  std::lock_guard lock(mu_);
  run(db_,
      "INSERT INTO outbox(org_id, entity_type, entity_id, field, kind, value, transaction_id)"
      " VALUES (?1, ?2, ?3, '', 'create', ?4, ?5)",
      {k.org_id, k.entity_type, k.entity_id, json::serialize(data), tx});
}

void Outbox::update(const EntityKey& k, const std::string& field, const json::value& value,
                    const std::string& tx, const std::optional<std::string>& expected) {
  std::lock_guard lock(mu_);
  transaction(db_, [&] {
    // A queued create of the entity absorbs the edit.
    auto create = queued_create(db_, k);
    if (!create.empty()) {
      auto data = json::parse(create[0][1].value_or("{}")).as_object();
      data[field] = value;
      run(db_, "UPDATE outbox SET value = ?1 WHERE id = ?2", {json::serialize(data), create[0][0]});
      return;
    }
    auto same = run(db_,
                    "SELECT id, state, transaction_id FROM outbox WHERE org_id = ?1 AND"
                    " entity_type = ?2 AND entity_id = ?3 AND field = ?4 AND kind = 'update'"
                    " ORDER BY id DESC LIMIT 1",
                    {k.org_id, k.entity_type, k.entity_id, field});
    if (!same.empty() && same[0][1] == "queued") {  // squash: newest value and txId win
      run(db_, "UPDATE outbox SET value = ?1, transaction_id = ?2 WHERE id = ?3",
          {json::serialize(value), tx, same[0][0]});
      return;
    }
    // Behind an entry already sent, the edit expects that entry's transaction.
    auto expect = !same.empty() && same[0][1] == "sent" ? same[0][2] : expected;
    run(db_,
        "INSERT INTO outbox(org_id, entity_type, entity_id, field, kind, value, transaction_id,"
        " expected) VALUES (?1, ?2, ?3, ?4, 'update', ?5, ?6, ?7)",
        {k.org_id, k.entity_type, k.entity_id, field, json::serialize(value), tx, expect});
  });
}

void Outbox::remove(const EntityKey& k, const std::string& tx,
                    const std::optional<std::string>& expected) {
  std::lock_guard lock(mu_);
  transaction(db_, [&] {
    const std::vector<std::optional<std::string>> key{k.org_id, k.entity_type, k.entity_id};
    auto create = queued_create(db_, k);
    // Queued edits of an entity that is going away are moot either way.
    run(db_,
        "DELETE FROM outbox WHERE org_id = ?1 AND entity_type = ?2 AND entity_id = ?3 AND"
        " state = 'queued' AND kind IN ('create', 'update')",
        key);
    if (!create.empty()) return;  // never created on the server: nothing to send
    run(db_,
        "INSERT INTO outbox(org_id, entity_type, entity_id, field, kind, transaction_id, expected)"
        " VALUES (?1, ?2, ?3, '', 'delete', ?4, ?5)",
        {k.org_id, k.entity_type, k.entity_id, tx, expected});
  });
}

std::vector<OutboxEntry> Outbox::entries() const {
  std::lock_guard lock(mu_);
  std::vector<OutboxEntry> out;
  for (auto& r :
       run(db_, (std::string("SELECT ") + kColumns + " FROM outbox ORDER BY id").c_str(), {}))
    out.push_back(entry_of(r));
  return out;
}

std::vector<OutboxEntry> Outbox::queued() const {
  std::vector<OutboxEntry> out;
  for (auto& e : entries())
    if (e.state == "queued") out.push_back(std::move(e));
  return out;
}

void Outbox::mark(std::int64_t id, const std::string& state) {
  std::lock_guard lock(mu_);
  run(db_, "UPDATE outbox SET state = ?1 WHERE id = ?2", {state, std::to_string(id)});
}

void Outbox::done(std::int64_t id) {
  std::lock_guard lock(mu_);
  run(db_, "DELETE FROM outbox WHERE id = ?1", {std::to_string(id)});
}

}  // namespace syncline::client
