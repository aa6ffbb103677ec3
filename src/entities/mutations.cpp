#include "entities/mutations.h"

#include <boost/json/serialize.hpp>

#include "common/assert.h"
#include "common/json_text.h"
#include "common/metrics.h"
#include "common/strings.h"
#include "db/answer.h"
#include "db/sql.h"
#include "entities/mutation_sql.h"
#include "entities/stale_merge.h"
#include "entities/store.h"
#include "entities/values.h"

namespace syncline::entities {

namespace json = boost::json;
using sync::Action;

namespace {

struct Write {
  std::string entity_id;
  FieldValues values;
};

// Validates data against the registry before any SQL runs.
Result<Write> validate(const Target& t, const sync::Mutation& m) {
  Write w;
  if (m.action == Action::kCreate) {
    auto id = m.data.if_contains("id");
    if (!id || !id->is_string() || !is_valid_id(id->as_string()))
      return bad_request("INVALID_FIELD", "'id' must be 1..64 of [A-Za-z0-9_-]");
    w.entity_id = std::string(id->as_string());
  } else {
    if (!is_valid_id(t.entity_id)) return not_found(t.type.name + " not found");
    w.entity_id = t.entity_id;
  }
  for (const auto& kv : m.data) {
    if (m.action == Action::kCreate && kv.key() == "id") continue;
    if (m.action == Action::kCreate && kv.key() == "organizationId") {
      if (!kv.value().is_string() || kv.value().as_string() != t.org_id)
        return bad_request("INVALID_FIELD", "'organizationId' must be this organization's id");
      continue;
    }
    const Field* f = t.type.field(kv.key());
    if (!f)
      return bad_request("UNKNOWN_FIELD",
                         "'" + std::string(kv.key()) + "' is not a field of " + t.type.name);
    auto value = to_param(*f, kv.value());
    if (!value) return value.error();
    w.values.emplace_back(f, std::move(*value));
  }
  if (m.action == Action::kCreate) {
    for (const auto& f : t.type.fields)
      if (f.required && !m.data.contains(f.json))
        return bad_request("MISSING_FIELD", "'" + f.json + "' is required");
  }
  return w;
}

std::string tx_json(const sync::TxMeta& tx) {
  json::object o{{"transactionId", tx.transaction_id},
                 {"sourceId", tx.source_id},
                 {"changedField", tx.changed_field ? json::value(*tx.changed_field) : nullptr}};
  return json_text(o);
}

json::object response_body(json::object representation, const std::string& tx_id) {
  representation["tx"] = json::object{{"transactionId", tx_id}};
  return representation;
}

// The txId was claimed before (by this or a racing request, whose row lock the claim waited
// on). Same mutation: answer as done (API-030..032). Anything else: 422.
Result<Outcome> replay_or_reject(db::Connection& c, const Target& t, const std::string& entity_id,
                                 const sync::Mutation& m) {
  auto prev = c.exec(
      "SELECT organization_id = $3 AND entity_type = $4 AND entity_id = $5"
      " AND action = $6 AND changed_field IS NOT DISTINCT FROM $7"
      " FROM applied_transactions WHERE user_id = $2 AND transaction_id = $1",
      {m.tx.transaction_id, t.actor.user_id, t.org_id, t.type.name, entity_id,
       sync::action_name(m.action), m.tx.changed_field});
  if (prev.empty() || !prev.get_bool(0, 0))
    return unprocessable("TRANSACTION_ID_REUSED",
                         "this transactionId was already used for another mutation");
  auto cur = fetch_entity(c, t.type, t.org_id, entity_id);
  if (cur && !is_permission_allowed(t.actor, Op::kRead, t.type, cur->created_by))
    return forbidden();
  json::object rep = cur ? std::move(cur->representation)
                         : json::object{{"data", nullptr}, {"fieldTx", json::object{}}};
  return Outcome{false, response_body(std::move(rep), m.tx.transaction_id)};
}

Error field_conflict(const Stored& cur, const std::optional<std::string>& field,
                     const sync::TxMeta& tx, const json::value& server_tx) {
  count(metrics().field_conflicts);
  Error e = conflict("FIELD_CONFLICT", field ? "'" + *field + "' was changed by another transaction"
                                             : "the entity was changed by another transaction");
  const auto& data = cur.representation.at("data").as_object();
  e.details["field"] = field ? json::value(*field) : nullptr;
  e.details["expectedTransactionId"] =
      tx.expected_transaction_id ? json::value(*tx.expected_transaction_id) : nullptr;
  e.details["serverTransactionId"] = server_tx;
  const json::value* sv = field ? data.if_contains(*field) : nullptr;
  e.details["serverValue"] = sv ? *sv : json::value(nullptr);
  e.body_extra = cur.representation;
  return e;
}

// SEC-047: a reference written must name an entity of the same org.
Result<void> check_references(db::Connection& c, const Target& t, const Write& w) {
  for (const auto& [f, value] : w.values) {
    if (f->ref.empty() || !value) continue;
    const auto* to = find_by_name(f->ref);
    if (c.exec("SELECT 1 FROM " + to->sql_table + " WHERE " + db::ident(to->org_column) +
                   " = $1 AND " + db::ident(to->key_column) + " = $2",
               {t.org_id, *value})
            .empty())
      return unprocessable("INVALID_REFERENCE",
                           "'" + f->json + "' names no " + f->ref + " of this organization");
  }
  return {};
}

// The statement claimed the txId but wrote nothing and rolled back. Finds out why from the
// row's current state and returns the matching error; succeeds when no reason remains (the
// row changed in between).
Result<void> diagnose(db::Connection& c, const Target& t, const Write& w, const sync::Mutation& m) {
  if (m.action == Action::kCreate) {
    if (!c.exec("SELECT 1 FROM " + t.type.sql_table + " WHERE " + db::ident(t.type.org_column) +
                    " = $1 AND " + db::ident(t.type.key_column) + " = $2",
                {t.org_id, w.entity_id})
             .empty())
      return conflict("ENTITY_EXISTS", "an entity with this id already exists");
    return check_references(c, t, w);
  }
  auto cur = fetch_entity(c, t.type, t.org_id, w.entity_id);
  if (!cur) return not_found(t.type.name + " not found");
  Op op = m.action == Action::kUpdate ? Op::kUpdate : Op::kDelete;
  if (!is_permission_allowed(t.actor, op, t.type, cur->created_by))
    return forbidden(std::string("not allowed to ") + sync::action_name(m.action) + " this " +
                     t.type.name);
  if (m.action == Action::kUpdate) {
    const auto& field = w.values.front().first->json;
    const auto* last = cur->representation.at("fieldTx").as_object().if_contains(field);
    if (last && last->is_string() &&
        (!m.tx.expected_transaction_id || *m.tx.expected_transaction_id != last->as_string()))
      return field_conflict(*cur, field, m.tx, *last);
    return check_references(c, t, w);
  } else if (const auto& row_tx = cur->representation.at("tx"); row_tx.is_object()) {
    const auto& last = row_tx.as_object().at("transactionId");
    if (m.tx.expected_transaction_id && last.is_string() &&
        last.as_string() != *m.tx.expected_transaction_id)
      return field_conflict(*cur, std::nullopt, m.tx, last);
  }
  return {};
}

// The field a violated constraint is on, when the constraint is on this type's table and on
// one column the type declares: a not-null's column, or the only column of the constraint (or
// of a unique index that is not a constraint), read from the catalog.
std::optional<std::string> constraint_field(db::Connection& c, const EntityType& type,
                                            const db::DbError& e) {
  const auto& w = e.where();
  if (w.schema != type.schema || w.table != type.table_name) return std::nullopt;
  std::string column = w.column;
  if (column.empty() && !w.constraint.empty()) {
    auto r = c.exec(
        "WITH rel AS (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        "             WHERE n.nspname = $2 AND c.relname = $3),"
        " cols AS (SELECT k.conkey AS cols FROM pg_constraint k, rel"
        "          WHERE k.conrelid = rel.oid AND k.conname = $1"
        "          UNION ALL SELECT x.indkey::int2[] FROM pg_index x JOIN pg_class i"
        "          ON i.oid = x.indexrelid, rel WHERE x.indrelid = rel.oid AND i.relname = $1)"
        " SELECT a.attname FROM (SELECT cols FROM cols LIMIT 1) k, rel, pg_attribute a"
        " WHERE a.attrelid = rel.oid AND a.attnum = ANY (k.cols) AND cardinality(k.cols) = 1",
        {w.constraint, w.schema, w.table});
    if (r.size() == 1) column = r.get(0, 0);
  }
  if (column.empty()) return std::nullopt;
  if (column == type.key_column) return "id";
  if (column == type.org_column) return "organizationId";
  for (const auto& f : type.fields)
    if (f.column == column) return f.json;
  return std::nullopt;
}

// The statement of one attempt, its SQL and parameters made side by side (mutation_sql.h).
db::Statement statement(const Target& t, const Write& w, const sync::Mutation& m, bool may_all) {
  const Claim claim{m.tx.transaction_id, t.actor.user_id, t.org_id,
                    t.type.name,         w.entity_id,     sync::action_name(m.action),
                    m.tx.changed_field,  m.tx.source_id,  t.actor.owner_id()};
  switch (m.action) {
    case Action::kCreate: {
      json::object field_tx;
      for (const auto& [f, v] : w.values) field_tx[f->json] = m.tx.transaction_id;
      return create_statement(t.type, claim, tx_json(m.tx), json_text(field_tx), w.values);
    }
    case Action::kUpdate: {
      const auto& [field, value] = w.values.front();
      return update_statement(t.type, *field, claim, tx_json(m.tx), m.tx.expected_transaction_id,
                              may_all, value);
    }
    case Action::kDelete:
      return delete_statement(t.type, claim, m.tx.expected_transaction_id, may_all);
  }
  SYNCLINE_UNREACHABLE("every Action is handled above");
}

// What one run of the statement came to: written or replayed (its rows), claimed but not
// written (the reason is still to be found), or an app constraint it broke (ADOPT-002). The last
// two rolled back, the claim with them; any other failure throws.
struct NotApplied {};
using Attempt = std::variant<db::Rows, NotApplied, db::DbError>;

Attempt attempt(db::Connection& c, const Target& t, const Write& w, const sync::Mutation& m,
                bool may_all) {
  const auto s = statement(t, w, m, may_all);
  auto tried = c.try_exec(s.sql, s.params);
  if (auto* rows = std::get_if<db::Rows>(&tried)) return std::move(*rows);
  auto& e = std::get<db::DbError>(tried);
  if (e.kind() == db::DbErrorKind::kNotApplied) return NotApplied{};
  return std::move(e);
}

// The answer to a statement that ran: a replay (the txId was claimed before) or the write.
Result<Outcome> answer_rows(db::Connection& c, const Target& t, const Write& w,
                            const sync::Mutation& m, const db::Rows& r, bool merged) {
  if (!r.get_bool(0, 0)) {
    auto replayed = replay_or_reject(c, t, w.entity_id, m);
    if (replayed) count(metrics().mutations_replayed);
    return replayed;
  }
  count(metrics().mutations_applied);
  if (m.action == Action::kDelete)
    return Outcome{false, response_body({{"data", nullptr}, {"fieldTx", json::object{}}},
                                        m.tx.transaction_id)};
  auto body = response_body(stored_from(r, 0, 1).representation, m.tx.transaction_id);
  if (merged) {
    count(metrics().mutations_merged);
    body["merged"] = true;
  }
  return Outcome{m.action == Action::kCreate, std::move(body)};
}

// A run that came to an answer (written, replayed, or an app constraint broken); nullopt when
// it claimed and wrote nothing (why is still to be found).
std::optional<Result<Outcome>> answered(db::Connection& c, const Target& t, const Write& w,
                                        const sync::Mutation& m, const Attempt& a) {
  if (const auto* rows = std::get_if<db::Rows>(&a)) return answer_rows(c, t, w, m, *rows, false);
  if (const auto* broke = std::get_if<db::DbError>(&a))
    return db::constraint_violation(*broke, constraint_field(c, t.type, *broke));
  return std::nullopt;
}

// Still not applied where the row's lock could not settle it: what the lock cannot hold changed
// in between — a referenced entity went, or (a create) the same id was created. Said as it is
// now.
Result<Outcome> not_applied_now(db::Connection& c, const Target& t, const Write& w,
                                const sync::Mutation& m) {
  auto why = diagnose(c, t, w, m);
  if (!why) return why.error();
  return unavailable("BUSY", "the entity kept changing; retry the request", 1);
}

// Holds the row as an update or delete would (a create has no row yet): until the transaction
// ends, the diagnosis, a merge and the write all see the one version no one else can change.
void lock_row(db::Connection& c, const Target& t, const std::string& entity_id, Action action) {
  if (action == Action::kCreate) return;
  c.exec("SELECT 1 FROM " + t.type.sql_table + " WHERE " + db::ident(t.type.org_column) +
             " = $1 AND " + db::ident(t.type.key_column) + " = $2" +
             (action == Action::kUpdate ? " FOR NO KEY UPDATE" : " FOR UPDATE"),
         {t.org_id, entity_id});
}

bool mergeable(const Write& w, const sync::Mutation& m, const Error& why) {
  // Only an update has a field (w.values is empty for a delete).
  return m.action == Action::kUpdate && w.values.front().first->merge_text &&
         why.code == "FIELD_CONFLICT";
}

// The statement claimed and wrote nothing. Why is decided with the row locked, so the reason
// found is the reason (no retry loop): the 404/403/409/422 it explains, or, where nothing
// stands in the way any more (the row changed in between) or a stale text merges, the write
// runs again in the same transaction and applies. A create has no row to lock: if it still
// does not apply, an entity of the same id was created meanwhile.
Result<Outcome> decide_under_lock(db::Connection& c, const Target& t, Write w,
                                  const sync::Mutation& m, bool may_all) {
  std::optional<db::DbError> broke;
  {
    db::Transaction txn(c);
    lock_row(c, t, w.entity_id, m.action);
    auto why = diagnose(c, t, w, m);
    sync::Mutation cur = m;
    bool merged = false;
    if (!why && !mergeable(w, m, why.error())) return why.error();
    if (!why) {
      // Against the base the writer saw and its own value.
      auto next = merge_stale_write(c, t.org_id, t.type, *w.values.front().first, w.entity_id,
                                    w.values.front().second, m.tx.expected_transaction_id,
                                    m.tx.base_value, why.error());
      if (!next) return next.error();
      w.values.front().second = std::move(next->value);
      cur.tx.expected_transaction_id = std::move(next->expected);
      merged = true;
    }
    auto again = attempt(c, t, w, cur, may_all);
    if (auto* rows = std::get_if<db::Rows>(&again)) {
      auto out = answer_rows(c, t, w, m, *rows, merged);
      txn.commit();
      return out;
    }
    if (auto* e = std::get_if<db::DbError>(&again)) broke = std::move(*e);
  }  // rolled back: the database may be read again
  if (broke) return db::constraint_violation(*broke, constraint_field(c, t.type, *broke));
  return not_applied_now(c, t, w, m);
}

}  // namespace

Result<Outcome> apply_mutation(db::Connection& c, const Target& t, const sync::Mutation& m) {
  auto w = validate(t, m);
  if (!w) return w.error();
  Op op = m.action == Action::kCreate   ? Op::kCreate
          : m.action == Action::kUpdate ? Op::kUpdate
                                        : Op::kDelete;
  Grant grant = grant_for(t.actor, op, t.type);
  if (grant == Grant::kNone)
    return forbidden(std::string("not allowed to ") + sync::action_name(m.action) + " a " +
                     t.type.name);
  const bool may_all = grant == Grant::kAll;
  // The fast path: one autocommit statement (mutation_sql.h).
  if (auto done = answered(c, t, *w, m, attempt(c, t, *w, m, may_all))) return std::move(*done);
  try {
    return decide_under_lock(c, t, *w, m, may_all);
  } catch (const db::DbError& e) {
    if (!e.deadlock()) throw;
    // A retry of this request (same txId) claimed it while this one held the row: each waited
    // for the other and Postgres ended this transaction. The statement once more answers it as
    // the replay it now is (or as what it is by then).
    if (auto done = answered(c, t, *w, m, attempt(c, t, *w, m, may_all))) return std::move(*done);
    return not_applied_now(c, t, *w, m);
  }
}

}  // namespace syncline::entities
