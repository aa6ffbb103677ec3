// Connection: RAII owner of one libpq connection, used by exactly one thread at a time
// (a worker holding a pool lease, or a CLI command). Every statement is parameterised;
// a failed statement throws DbError carrying the SQLSTATE so callers can map e.g.
// unique violations to API errors.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

struct pg_conn;
struct pg_result;

namespace syncline::db {

// What a failed statement means, decided once here from the SQLSTATE class (DESIGN §19):
// callers branch on the kind, never on SQLSTATE strings (except Syncline's own SL codes).
enum class DbErrorKind {
  kUnavailable,  // cannot connect, connection lost, shutting down, out of resources (08, 57, 53)
  kBusy,         // lock_timeout, deadlock, serialization failure: retrying may succeed
  kConstraint,   // the row breaks a constraint (class 23): the input's fault, not ours
  kNotApplied,   // a write-path statement claimed its txId and wrote nothing (SL001, ours)
  kOther,        // anything else (a bug, an exception raised by a trigger)
};
enum class ConstraintKind { kNone, kUnique, kForeignKey, kCheck, kNotNull, kExclusion, kOther };

// Where the failure was, as Postgres reports it (PG_DIAG_*); empty when not reported.
struct DbDiagnostics {
  std::string schema;
  std::string table;
  std::string column;      // not-null violations
  std::string constraint;  // unique, foreign key, check, exclusion
};

class DbError : public std::runtime_error {
 public:
  DbError(const std::string& message, std::string sqlstate, DbDiagnostics where = {});
  const std::string& sqlstate() const { return sqlstate_; }
  DbErrorKind kind() const { return kind_; }
  ConstraintKind constraint_kind() const { return constraint_kind_; }
  // kBusy because Postgres broke a lock cycle (this transaction was chosen to end it).
  bool deadlock() const;
  const DbDiagnostics& where() const { return where_; }

 private:
  std::string sqlstate_;
  DbErrorKind kind_;
  ConstraintKind constraint_kind_;
  DbDiagnostics where_;
};

// A statement parameter in text format; nullopt is SQL NULL.
using Param = std::optional<std::string>;
using Params = std::vector<Param>;

class Rows {
 public:
  explicit Rows(pg_result* r) : r_(r, &Rows::free) {}
  int size() const;
  bool empty() const { return size() == 0; }
  bool is_null(int row, int col) const;
  std::string_view get(int row, int col) const;  // "" for NULL
  std::optional<std::string> opt(int row, int col) const;
  std::int64_t get_int(int row, int col) const;
  bool get_bool(int row, int col) const { return get(row, col) == "t"; }
  // Bytes of a bytea column fetched in text (hex) format.
  std::string get_bytea(int row, int col) const;
  std::int64_t affected() const;  // rows touched by INSERT/UPDATE/DELETE

 private:
  static void free(pg_result* r);
  std::shared_ptr<pg_result> r_;
};

class Connection {
 public:
  // Throws DbError when the server cannot be reached. `options` are server settings for
  // this session ("-c lock_timeout=5s …"), applied on top of the URL's.
  explicit Connection(const std::string& url, const std::string& options = "");
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Each distinct SQL text is prepared once per connection and then executed by name, so
  // Postgres parses and plans it only once (the set of texts is finite: they come from code).
  Rows exec(std::string_view sql, const Params& params = {});
  // For a statement whose failure is an everyday outcome: a failure of kind kNotApplied or
  // kConstraint comes back as a value (the statement rolled back); any other throws as exec().
  std::variant<Rows, DbError> try_exec(std::string_view sql, const Params& params = {});
  // Runs a multi-statement script without parameters (migrations).
  void exec_script(std::string_view sql);
  bool healthy() const;

  // LISTEN support (the activity bus): the socket to poll, reading what arrived, and the
  // notifications received so far, oldest first. consume_input() throws DbError when the
  // connection is gone.
  struct Notification {
    std::string channel;
    std::string payload;
  };
  int socket() const;
  void consume_input();
  std::optional<Notification> next_notification();

 private:
  std::variant<Rows, DbError> run(std::string_view sql, const Params& params);

  pg_conn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

// BEGIN on construction; ROLLBACK in the destructor unless commit() ran. Exceptions that
// abort an operation therefore never leave a partial write.
class Transaction {
 public:
  explicit Transaction(Connection& c, std::string_view begin = "BEGIN");
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();
  Connection& conn() { return c_; }

 private:
  Connection& c_;
  bool done_ = false;
};

// Hex-escapes bytes for a bytea parameter ("\x…").
std::string bytea_param(std::string_view bytes);

}  // namespace syncline::db
