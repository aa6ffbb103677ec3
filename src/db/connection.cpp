#include "db/connection.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "common/assert.h"
#include "common/metrics.h"
#include "db/own_schema.h"
#include "db/sql.h"

namespace syncline::db {

namespace {

DbErrorKind kind_of(std::string_view state) {
  // No SQLSTATE: libpq lost the connection before the server answered.
  if (state.empty() || state.starts_with("08") || state.starts_with("57") ||
      state.starts_with("53"))
    return DbErrorKind::kUnavailable;
  if (state == "55P03" || state == "40P01" || state == "40001") return DbErrorKind::kBusy;
  if (state.starts_with("23")) return DbErrorKind::kConstraint;
  if (state == "SL001") return DbErrorKind::kNotApplied;  // syncline_not_applied(), migration 006
  return DbErrorKind::kOther;
}

ConstraintKind constraint_kind_of(std::string_view state) {
  if (!state.starts_with("23")) return ConstraintKind::kNone;
  if (state == "23505") return ConstraintKind::kUnique;
  if (state == "23503") return ConstraintKind::kForeignKey;
  if (state == "23514") return ConstraintKind::kCheck;
  if (state == "23502") return ConstraintKind::kNotNull;
  if (state == "23P01") return ConstraintKind::kExclusion;
  return ConstraintKind::kOther;
}

std::string field_of(PGresult* r, int code) {
  const char* v = r ? PQresultErrorField(r, code) : nullptr;
  return v ? v : "";
}

DbError error_from(PGconn* c, PGresult* r) {
  std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
  if (msg.empty()) msg = PQerrorMessage(c);
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  return DbError(msg, field_of(r, PG_DIAG_SQLSTATE),
                 {field_of(r, PG_DIAG_SCHEMA_NAME), field_of(r, PG_DIAG_TABLE_NAME),
                  field_of(r, PG_DIAG_COLUMN_NAME), field_of(r, PG_DIAG_CONSTRAINT_NAME)});
}

}  // namespace

DbError::DbError(const std::string& message, std::string sqlstate, DbDiagnostics where)
    : std::runtime_error(message),
      sqlstate_(std::move(sqlstate)),
      kind_(kind_of(sqlstate_)),
      constraint_kind_(constraint_kind_of(sqlstate_)),
      where_(std::move(where)) {}

bool DbError::deadlock() const {
  return sqlstate_ == "40P01";
}

void Rows::free(pg_result* r) {
  PQclear(r);
}
int Rows::size() const {
  return PQntuples(r_.get());
}
bool Rows::is_null(int row, int col) const {
  return PQgetisnull(r_.get(), row, col);
}
std::string_view Rows::get(int row, int col) const {
  return {PQgetvalue(r_.get(), row, col),
          static_cast<std::size_t>(PQgetlength(r_.get(), row, col))};
}
std::optional<std::string> Rows::opt(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return std::string(get(row, col));
}
std::int64_t Rows::get_int(int row, int col) const {
  auto s = get(row, col);
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}
std::string Rows::get_bytea(int row, int col) const {
  std::size_t n = 0;
  unsigned char* raw =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col)), &n);
  std::string out(reinterpret_cast<char*>(raw), n);
  PQfreemem(raw);
  return out;
}
std::int64_t Rows::affected() const {
  const char* s = PQcmdTuples(r_.get());
  std::int64_t v = 0;
  std::from_chars(s, s + std::char_traits<char>::length(s), v);
  return v;
}

namespace {
// This release's application_name unless the URL or the options name one: the startup
// packet's name would win over an options' `-c application_name=`, so it is only a fallback
// and only given when the options name none.
pg_conn* open(const std::string& url, const std::string& options) {
  static const std::string kName = application_name("main");
  const bool named = options.find("application_name=") != std::string::npos;
  const char* keys[] = {"dbname", "options", named ? nullptr : "fallback_application_name",
                        nullptr};
  const char* values[] = {url.c_str(), options.c_str(), kName.c_str(), nullptr};
  return PQconnectdbParams(keys, values, /*expand_dbname=*/1);
}
}  // namespace

Connection::Connection(const std::string& url, const std::string& options)
    : conn_(open(url, options)) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    DbError e(std::string("cannot connect to Postgres: ") + PQerrorMessage(conn_), "08001");
    PQfinish(conn_);
    throw e;
  }
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  // Our schema first, then the role's own path (db/own_schema.h).
  exec("SELECT set_config('search_path', $1 || ', ' || current_setting('search_path'), false)",
       {ident(own_schema())});
}

Connection::~Connection() {
  PQfinish(conn_);
}

bool Connection::healthy() const {
  return PQstatus(conn_) == CONNECTION_OK;
}

int Connection::socket() const {
  return PQsocket(conn_);
}

void Connection::consume_input() {
  if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) != CONNECTION_OK)
    throw error_from(conn_, nullptr);
}

std::optional<Connection::Notification> Connection::next_notification() {
  PGnotify* n = PQnotifies(conn_);
  if (!n) return std::nullopt;
  Notification out{n->relname, n->extra};
  PQfreemem(n);
  return out;
}

Rows Connection::exec(std::string_view sql, const Params& params) {
  auto r = run(sql, params);
  if (auto* e = std::get_if<DbError>(&r)) throw std::move(*e);
  return std::get<Rows>(std::move(r));
}

std::variant<Rows, DbError> Connection::try_exec(std::string_view sql, const Params& params) {
  auto r = run(sql, params);
  if (auto* e = std::get_if<DbError>(&r);
      e && e->kind() != DbErrorKind::kNotApplied && e->kind() != DbErrorKind::kConstraint)
    throw std::move(*e);
  return r;
}

// A statement's failure is a value here; a failure to prepare it throws (our SQL is wrong, or
// the connection is gone).
std::variant<Rows, DbError> Connection::run(std::string_view sql, const Params& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) {
    // libpq passes parameters as C strings: an embedded NUL would silently truncate one.
    // Inputs are validated before SQL (json_input.h refuses NUL).
    SYNCLINE_ASSERT(!p || p->find('\0') == std::string::npos, "no NUL in a statement parameter");
    values.push_back(p ? p->c_str() : nullptr);
  }
  std::string q(sql);
  auto it = prepared_.find(q);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    PGresult* pr =
        PQprepare(conn_, name.c_str(), q.c_str(), static_cast<int>(values.size()), nullptr);
    if (PQresultStatus(pr) != PGRES_COMMAND_OK) {
      auto e = error_from(conn_, pr);
      PQclear(pr);
      throw e;
    }
    PQclear(pr);
    it = prepared_.emplace(std::move(q), std::move(name)).first;
  }
  PGresult* r = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                               values.data(), nullptr, nullptr, 0);
  auto st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    auto e = error_from(conn_, r);
    PQclear(r);
    return e;
  }
  return Rows(r);
}

void Connection::exec_script(std::string_view sql) {
  std::string q(sql);
  PGresult* r = PQexec(conn_, q.c_str());
  auto st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    auto e = error_from(conn_, r);
    PQclear(r);
    throw e;
  }
  PQclear(r);
}

Transaction::Transaction(Connection& c, std::string_view begin) : c_(c) {
  c_.exec(begin);
}

Transaction::~Transaction() {
  if (done_) return;
  try {
    c_.exec("ROLLBACK");
  } catch (const std::exception& e) {
    spdlog::warn("rollback failed: {}", e.what());
    count(Degraded::kRollbackFailed);
  }
}

void Transaction::commit() {
  c_.exec("COMMIT");
  done_ = true;
}

std::string bytea_param(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace syncline::db
