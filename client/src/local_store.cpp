#include "syncline/local_store.h"
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
json::object object_of(const std::string& text) {
  boost::system::error_code ec;
  auto v = parse_json(text, ec);
  return !ec && v.is_object() ? v.as_object() : json::object{};
}

constexpr const char* kPut =
    "INSERT INTO entities(org_id, entity_type, entity_id, data, field_tx)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (org_id, entity_type, entity_id)"
    " DO UPDATE SET data = excluded.data, field_tx = excluded.field_tx";

CachedEntity entity_of(const Stmt& s, EntityKey key) {
  return CachedEntity{std::move(key), object_of(s.text(0)), object_of(s.text(1))};
}
}  // namespace

LocalStore::LocalStore(const std::string& path) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("sqlite open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);  // other processes of the app share the file
  exec_setup(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  exec_setup(db_,
             "CREATE TABLE IF NOT EXISTS entities (org_id TEXT NOT NULL, entity_type TEXT NOT NULL,"
             " entity_id TEXT NOT NULL, data TEXT NOT NULL, field_tx TEXT NOT NULL,"
             " PRIMARY KEY (org_id, entity_type, entity_id));"
             "CREATE TABLE IF NOT EXISTS offsets (org_id TEXT PRIMARY KEY, activity_id INTEGER NOT "
             "NULL);"
             "CREATE TABLE IF NOT EXISTS shapes (org_id TEXT NOT NULL, shape TEXT NOT NULL,"
             " hydrated INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (org_id, shape));");
}

LocalStore::~LocalStore() {
  StmtCache::forget(db_);
  sqlite3_close(db_);
}

std::string LocalStore::journal_mode() const {
  std::lock_guard lock(mu_);
  Stmt s(db_, "PRAGMA journal_mode");
  return s.step() ? s.text(0) : "";
}

void LocalStore::put(const CachedEntity& e) {
  {
    std::lock_guard lock(mu_);
    Stmt s(db_, kPut);
    s.bind(1, e.key.org_id).bind(2, e.key.entity_type).bind(3, e.key.entity_id);
    s.bind(4, json_text(e.data)).bind(5, json_text(e.field_tx)).step();
  }
  notify(Change{e.key, e});
}

void LocalStore::put_batch(const std::vector<CachedEntity>& batch) {
  {
    std::lock_guard lock(mu_);
    exec(db_, "BEGIN");
    try {
      Stmt s(db_, kPut);
      std::optional<Stmt> seen;
      if (reloading_) seen.emplace(db_, "INSERT OR IGNORE INTO temp.reload_seen VALUES (?1)");
      std::string data, field_tx;
      for (const auto& e : batch) {
        data = json_text(e.data);
        field_tx = json_text(e.field_tx);
        s.bind_text(1, e.key.org_id).bind_text(2, e.key.entity_type).bind_text(3, e.key.entity_id);
        s.bind_text(4, data).bind_text(5, field_tx).step();
        s.reset();
        if (seen && e.key.org_id == reloading_->first && e.key.entity_type == reloading_->second) {
          seen->bind_text(1, e.key.entity_id).step();
          seen->reset();
        }
      }
      exec(db_, "COMMIT");
    } catch (...) {
      exec(db_, "ROLLBACK");
      throw;
    }
  }
  if (has_listeners())
    for (const auto& e : batch) notify(Change{e.key, e});
}

void LocalStore::remove(const EntityKey& key) {
  {
    std::lock_guard lock(mu_);
    Stmt s(db_, "DELETE FROM entities WHERE org_id = ?1 AND entity_type = ?2 AND entity_id = ?3");
    s.bind(1, key.org_id).bind(2, key.entity_type).bind(3, key.entity_id).step();
  }
  notify(Change{key, std::nullopt});
}

std::optional<CachedEntity> LocalStore::get(const EntityKey& key) const {
  std::lock_guard lock(mu_);
  Stmt s(db_,
         "SELECT data, field_tx FROM entities WHERE org_id = ?1 AND entity_type = ?2"
         " AND entity_id = ?3");
  s.bind(1, key.org_id).bind(2, key.entity_type).bind(3, key.entity_id);
  if (!s.step()) return std::nullopt;
  return entity_of(s, key);
}

std::int64_t LocalStore::count(const std::string& org_id) const {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT count(*) FROM entities WHERE org_id = ?1");
  s.bind(1, org_id);
  return s.step() ? s.integer(0) : 0;
}

std::vector<std::string> LocalStore::entity_types(const std::string& org_id) const {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT DISTINCT entity_type FROM entities WHERE org_id = ?1 ORDER BY 1");
  s.bind(1, org_id);
  std::vector<std::string> out;
  while (s.step()) out.emplace_back(s.text(0));
  return out;
}

std::vector<CachedEntity> LocalStore::list(const std::string& org_id,
                                           const std::string& entity_type) const {
  std::lock_guard lock(mu_);
  Stmt s(db_,
         "SELECT data, field_tx, entity_id FROM entities WHERE org_id = ?1 AND entity_type = ?2"
         " ORDER BY entity_id");
  s.bind(1, org_id).bind(2, entity_type);
  std::vector<CachedEntity> out;
  while (s.step()) out.push_back(entity_of(s, EntityKey{org_id, entity_type, s.text(2)}));
  return out;
}

void LocalStore::clear_org(const std::string& org_id) {
  std::lock_guard lock(mu_);
  exec(db_, "BEGIN");
  try {
    Stmt(db_, "DELETE FROM entities WHERE org_id = ?1").bind(1, org_id).step();
    Stmt(db_, "DELETE FROM offsets WHERE org_id = ?1").bind(1, org_id).step();
    // Every shape is listed again by the reload that follows.
    Stmt(db_, "UPDATE shapes SET hydrated = 0 WHERE org_id = ?1").bind(1, org_id).step();
    exec(db_, "COMMIT");
  } catch (...) {
    exec(db_, "ROLLBACK");
    throw;
  }
}

void LocalStore::begin_type_reload(const std::string& org_id, const std::string& entity_type) {
  std::lock_guard lock(mu_);
  // On this connection only; gone with it. Emptied for each load (a retry starts over).
  exec(db_,
       "CREATE TEMP TABLE IF NOT EXISTS reload_seen (entity_id TEXT PRIMARY KEY);"
       "DELETE FROM temp.reload_seen");
  reloading_.emplace(org_id, entity_type);
}

void LocalStore::end_type_reload(bool complete) {
  std::lock_guard lock(mu_);
  if (!reloading_) return;
  if (complete)
    Stmt(db_,
         "DELETE FROM entities WHERE org_id = ?1 AND entity_type = ?2 AND entity_id NOT IN"
         " (SELECT entity_id FROM temp.reload_seen)")
        .bind(1, reloading_->first)
        .bind(2, reloading_->second)
        .step();
  exec(db_, "DELETE FROM temp.reload_seen");
  reloading_.reset();
}

std::optional<std::string> CachedEntity::transaction_of(const std::string& field) const {
  auto* v = field_tx.if_contains(field);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

std::optional<std::string> LocalStore::expected_transaction_id(const EntityKey& key,
                                                               const std::string& field) const {
  auto e = get(key);
  return e ? e->transaction_of(field) : std::nullopt;
}

std::optional<std::int64_t> LocalStore::offset(const std::string& org_id) const {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT activity_id FROM offsets WHERE org_id = ?1");
  s.bind(1, org_id);
  if (!s.step()) return std::nullopt;
  return s.integer(0);
}

void LocalStore::set_offset(const std::string& org_id, std::int64_t activity_id) {
  std::lock_guard lock(mu_);
  Stmt s(db_,
         "INSERT INTO offsets(org_id, activity_id) VALUES (?1, ?2) ON CONFLICT (org_id)"
         " DO UPDATE SET activity_id = excluded.activity_id");
  s.bind(1, org_id).bind(2, activity_id).step();
}

int LocalStore::subscribe(Listener l) {
  std::lock_guard lock(listeners_mu_);
  listeners_[next_listener_] = std::move(l);
  return next_listener_++;
}

void LocalStore::unsubscribe(int id) {
  std::lock_guard lock(listeners_mu_);
  listeners_.erase(id);
}

bool LocalStore::has_listeners() {
  std::lock_guard lock(listeners_mu_);
  return !listeners_.empty();
}

void LocalStore::notify(const Change& c) {
  std::vector<Listener> copy;
  bool visible = true;
  {
    std::lock_guard lock(listeners_mu_);
    for (auto& [id, l] : listeners_) copy.push_back(l);
    visible = !c.entity || !in_view_ || in_view_(*c.entity);
  }
  // Outside the view (it left this client's shapes, though not the machine's): removed.
  const Change seen = visible ? c : Change{c.key, std::nullopt};
  for (auto& l : copy) l(seen);
}

void LocalStore::set_view(std::function<bool(const CachedEntity&)> in_view) {
  std::lock_guard lock(listeners_mu_);
  in_view_ = std::move(in_view);
}

bool LocalStore::add_shape(const std::string& org_id, const std::string& text) {
  std::lock_guard lock(mu_);
  Stmt(db_, "INSERT OR IGNORE INTO shapes(org_id, shape) VALUES (?1, ?2)")
      .bind(1, org_id)
      .bind(2, text)
      .step();
  return sqlite3_changes(db_) > 0;
}

std::vector<LocalStore::ShapeEntry> LocalStore::shapes(const std::string& org_id) const {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT shape, hydrated FROM shapes WHERE org_id = ?1 ORDER BY shape");
  s.bind(1, org_id);
  std::vector<ShapeEntry> out;
  while (s.step()) out.push_back({s.text(0), s.integer(1) != 0});
  return out;
}

void LocalStore::set_shape_hydrated(const std::string& org_id, const std::string& text) {
  std::lock_guard lock(mu_);
  Stmt(db_, "UPDATE shapes SET hydrated = 1 WHERE org_id = ?1 AND shape = ?2")
      .bind(1, org_id)
      .bind(2, text)
      .step();
}

}  // namespace syncline::client
