// SQLite helpers shared by the client's stores (internal to client/src).
#pragma once

#include <sqlite3.h>
#include "syncline/ordered_mutex.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace syncline::client {

// Prepared statements kept per connection and SQL text: preparing (SQLite's parser) was a
// third of the client's CPU while it drained an outbox. A Stmt takes one (or prepares it) and
// gives it back reset; forget() finalizes a connection's before sqlite3_close. Thread-safe.
class StmtCache {
 public:
  static sqlite3_stmt* take(sqlite3* db, const char* sql) {
    {
      std::lock_guard lock(mu());
      auto it = map().find({db, sql});
      if (it != map().end() && !it->second.empty()) {
        auto* s = it->second.back();
        it->second.pop_back();
        return s;
      }
    }
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
    return s;
  }
  static void give(sqlite3* db, sqlite3_stmt* s) {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    std::lock_guard lock(mu());
    map()[{db, sqlite3_sql(s)}].push_back(s);
  }
  static void forget(sqlite3* db) {
    std::lock_guard lock(mu());
    for (auto it = map().begin(); it != map().end();) {
      if (it->first.first != db) {
        ++it;
        continue;
      }
      for (auto* s : it->second) sqlite3_finalize(s);
      it = map().erase(it);
    }
  }

 private:
  using Key = std::pair<sqlite3*, std::string>;
  static std::map<Key, std::vector<sqlite3_stmt*>>& map() {
    static std::map<Key, std::vector<sqlite3_stmt*>> m;
    return m;
  }
  static OrderedMutex<8>& mu() {
    static OrderedMutex<8> m;
    return m;
  }
};

// One prepared statement (from the cache, given back on scope exit); binds text (nullopt =
// NULL).
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db), s_(StmtCache::take(db, sql)) {}
  ~Stmt() { StmtCache::give(db_, s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, const std::optional<std::string>& v) {
    if (v)
      sqlite3_bind_text(s_, i, v->data(), static_cast<int>(v->size()), SQLITE_TRANSIENT);
    else
      sqlite3_bind_null(s_, i);
    return *this;
  }
  // Text bound in place (SQLITE_STATIC): `v` must outlive the step.
  Stmt& bind_text(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("sqlite step: ") + sqlite3_errmsg(db_));
  }
  std::string text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : "";
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  // Ready to run again with new bindings (a loop over one statement).
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::optional<std::string> opt(int col) const {
    if (sqlite3_column_type(s_, col) == SQLITE_NULL) return std::nullopt;
    return text(col);
  }
  int columns() const { return sqlite3_column_count(s_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

inline void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + msg);
  }
}

// For the set-up statements of a file several processes open at once: switching a new file to
// WAL and creating its tables can answer SQLITE_BUSY without consulting the busy handler, so
// they are retried (for up to 10 s) instead of failing the process.
inline void exec_setup(sqlite3* db, const char* sql) {
  for (int attempt = 0;; ++attempt) {
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return;
    if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt >= 500)
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
    sqlite3_sleep(20);
  }
}

// Runs a statement with text parameters (nullopt = NULL) to completion; returns its rows.
inline std::vector<std::vector<std::optional<std::string>>> run(
    sqlite3* db, const char* sql, const std::vector<std::optional<std::string>>& params) {
  Stmt s(db, sql);
  for (std::size_t i = 0; i < params.size(); ++i) s.bind(static_cast<int>(i + 1), params[i]);
  std::vector<std::vector<std::optional<std::string>>> rows;
  while (s.step()) {
    std::vector<std::optional<std::string>> row;
    for (int c = 0; c < s.columns(); ++c) row.push_back(s.opt(c));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace syncline::client
